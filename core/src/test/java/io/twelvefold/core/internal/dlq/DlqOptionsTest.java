package io.twelvefold.core.internal.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DlqOptionsTest {
    private static final Instant NOW = Instant.parse("2026-12-03T14:00:00Z");

    @Test
    @DisplayName("options parse into filters and flags; ages count back from now")
    void parse() {
        DlqOptions o = DlqOptions.parse(List.of("replay", "--channel", "orders", "--reason", "fatal", "--since", "2h",
                "--until", "2026-12-03T13:30:00Z", "--to", "orders-retry", "--dry-run", "--max-replays", "5",
                "--rate", "2.5"), NOW);

        assertThat(o.action()).isEqualTo("replay");
        assertThat(o.selection()).isEqualTo(new Selection("orders", "fatal", null,
                Instant.parse("2026-12-03T12:00:00Z"), Instant.parse("2026-12-03T13:30:00Z"), null));
        assertThat(o.to()).isEqualTo("orders-retry");
        assertThat(o.dryRun()).isTrue();
        assertThat(o.maxReplays()).isEqualTo(5);
        assertThat(o.rate()).isEqualTo(2.5);
        assertThat(DlqOptions.parse(List.of("list"), NOW).maxReplays()).isEqualTo(3);
    }

    @Test
    @DisplayName("a bad option names itself, its value and what it must be")
    void problems() {
        assertThatThrownBy(() -> DlqOptions.parse(List.of("show", "--since", "yesterday"), NOW))
                .hasMessage("dlq option '--since' must be an ISO-8601 instant like '2026-12-03T14:00:00Z' or an age "
                        + "like '15m', '2h', '7d', was 'yesterday'");
        assertThatThrownBy(() -> DlqOptions.parse(List.of("show", "--limit", "0"), NOW))
                .hasMessage("dlq option '--limit' must be a positive integer, was '0'");
        assertThatThrownBy(() -> DlqOptions.parse(List.of("show", "--reason"), NOW))
                .hasMessage("dlq show option '--reason' needs a value; see --help");
        assertThatThrownBy(() -> DlqOptions.parse(List.of("show", "--dry-run"), NOW))
                .hasMessage("dlq show option '--dry-run' applies only to dlq replay; see --help");
        assertThatThrownBy(() -> DlqOptions.parse(List.of("drop"), NOW))
                .hasMessage("dlq needs an action: list, show, replay or purge, was 'drop'; see --help");
    }

    @Test
    @DisplayName("a replay restores key, attributes, payload and headers without the dead-letter ones, and counts the replay")
    void replayMessage() {
        byte[] payload = "{\"sku\":1}".getBytes(StandardCharsets.UTF_8);
        StoredMessage stored = new StoredMessage("orders.dlq", "shop", 1, 7, "k", Map.of("id", "e1", "type", "t"),
                Map.of("traceparent", "00-x", DeadLetterHeaders.REASON, "fatal", DeadLetterHeaders.CHANNEL, "orders",
                        DeadLetterHeaders.REPLAY_COUNT, "1"), payload);

        OutgoingMessage replay = new DeadLetter(stored).replay();

        assertThat(replay.key()).isEqualTo("k");
        assertThat(replay.attributes()).isEqualTo(Map.of("id", "e1", "type", "t"));
        assertThat(replay.payload()).isSameAs(payload);
        assertThat(replay.headers()).isEqualTo(Map.of("traceparent", "00-x", DeadLetterHeaders.REPLAY_COUNT, "2"));
    }

    @Test
    @DisplayName("a payload shows as escaped text when it is printable UTF-8, else as hex; both cut with an ellipsis")
    void payload() {
        assertThat(DlqReport.Payload.of("a\nb".getBytes(StandardCharsets.UTF_8), 10))
                .isEqualTo(new DlqReport.Payload("text", "a\\nb"));
        assertThat(DlqReport.Payload.of("abcdef".getBytes(StandardCharsets.UTF_8), 3))
                .isEqualTo(new DlqReport.Payload("text", "abc…"));
        assertThat(DlqReport.Payload.of(new byte[] {0, 1, (byte) 0xff}, 10))
                .isEqualTo(new DlqReport.Payload("hex", "0001ff"));
        assertThat(DlqReport.Payload.of(new byte[] {0, 1, (byte) 0xff}, 4))
                .isEqualTo(new DlqReport.Payload("hex", "0001…"));
    }
}
