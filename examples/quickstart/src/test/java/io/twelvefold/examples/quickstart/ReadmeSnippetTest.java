package io.twelvefold.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's code is this module's Quickstart.java, which the build compiles: it compiles as shown. */
class ReadmeSnippetTest {
    private static final Path README = Path.of("..", "..", "README.md");
    private static final Path SOURCE = Path.of("src", "main", "java", "io", "twelvefold", "examples", "quickstart",
            "Quickstart.java");

    @Test
    @DisplayName("the README's Java block is the tagged region of Quickstart.java, imports and logger included")
    void readmeShowsTheCompiledSource() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf("```java\n");
        assertThat(start).as("a Java block in the README").isNotNegative();
        String block = readme.substring(start + "```java\n".length(), readme.indexOf("```", start + 7));

        String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
        String region = source.substring(source.indexOf("// tag::readme[]\n") + "// tag::readme[]\n".length(),
                source.indexOf("// end::readme[]"));

        assertThat(block).isEqualTo(region);
        assertThat(block).contains("import io.twelvefold.core.App;", "LoggerFactory.getLogger", ".run(args)");
    }
}
