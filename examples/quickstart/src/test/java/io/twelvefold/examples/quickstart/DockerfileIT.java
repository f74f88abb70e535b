package io.twelvefold.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Dockerfile copies the jar the build makes, and starts it the way docs/containers.md says. */
class DockerfileIT {
    private static final Path DOCKERFILE = Path.of("Dockerfile");

    @Test
    @DisplayName("every file the Dockerfile copies exists after 'package', and the entry point runs the jar as PID 1")
    void copiesWhatTheBuildMakes() throws IOException {
        List<String> lines = Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8);
        List<String> copies = lines.stream().filter(l -> l.startsWith("COPY ")).toList();

        assertThat(copies).isNotEmpty();
        for (String copy : copies) {
            String source = copy.split("\\s+")[1];
            assertThat(Path.of(source)).as("copied by '%s'", copy).isRegularFile();
        }
        assertThat(lines).anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\"") && l.contains("\"-jar\", \"/app/app.jar\""));
        assertThat(lines).anyMatch(l -> l.startsWith("USER ") && !l.contains("root"));
    }
}
