package io.twelvefold.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * JUnit finds every group of the kit, with every scenario, in each subclass (and in a subclass of a
 * subclass, for a second configuration), and nothing of the kit in a subclass of the fixtures.
 * Discovery only: no scenario runs here, the transports' modules run them.
 */
class TransportConformanceKitTest {
    private static final Map<String, List<String>> SCENARIOS = Map.of(
            "Delivery", List.of("closingWhileInFlightLosesNothing", "competingConsumersShareTheLoad",
                    "fanOutToTwoGroups", "roundTripKeepsTheEnvelope"),
            "Failures", List.of("deadLetterAfterMaxAttempts", "exponentialBackoff",
                    "fatalProcessingExceptionIsNotRetried", "missingAttributeIsDeadLettered",
                    "nonRetryableExceptionTypeIsNotRetried", "oversizePayloadIsDeadLettered",
                    "redeliveryAfterProcessorException", "retriesHandedToTheBroker", "undecodablePayloadIsDeadLettered"),
            "Flow control", List.of("inFlightIsBounded"),
            "Ordering", List.of("perKeyOrderUnderConcurrency"),
            "Dead letters", List.of("browseLeavesThemAndRemoveTakesOne", "deadLettersAreTerminal"),
            "Formats", List.of("plainChannelWritesPlainMessages", "plainMessageFeedsAPlainChannel",
                    "plainMessageOnACloudEventsChannelIsInvalid", "structuredCloudEventIsRead"));

    /** A kit subclass as a transport module writes it; only discovered here. */
    static class SampleConformanceTest extends TransportConformanceKit {
        @Override
        protected TransportProvider provider() {
            throw new UnsupportedOperationException("discovered, never run");
        }
    }

    /** A second configuration of the same transport. */
    static class SampleVariantConformanceTest extends SampleConformanceTest {
        @Override
        protected Map<String, String> config() {
            return Map.of("twelvefold.sample.mode", "other");
        }
    }

    /** A transport's own scenario on the kit's fixtures. */
    static class SampleOwnScenarioTest extends TransportFixture {
        @Override
        protected TransportProvider provider() {
            throw new UnsupportedOperationException("discovered, never run");
        }

        @Test
        void ownScenario() {
        }
    }

    @Test
    @DisplayName("A kit subclass gets the six groups, each with all its scenarios, each named by a sentence")
    void subclassGetsEveryGroup() {
        assertThat(scenariosByGroup(SampleConformanceTest.class)).isEqualTo(SCENARIOS);
    }

    @Test
    @DisplayName("A subclass of a kit subclass (another configuration) gets the whole kit again")
    void variantGetsEveryGroup() {
        assertThat(scenariosByGroup(SampleVariantConformanceTest.class)).isEqualTo(SCENARIOS);
    }

    @Test
    @DisplayName("A subclass of the fixtures runs its own tests and none of the kit")
    void fixtureSubclassDoesNotRunTheKit() {
        TestPlan plan = discover(SampleOwnScenarioTest.class);
        assertThat(plan.countTestIdentifiers(TestIdentifier::isTest)).isEqualTo(1);
    }

    /**
     * The scenarios JUnit discovers in a class, by group (the words before the colon of the group's
     * display name), sorted by method name; fails when a scenario has no display name of its own or
     * its group does not belong to {@code kitClass}.
     */
    private static Map<String, List<String>> scenariosByGroup(Class<?> kitClass) {
        TestPlan plan = discover(kitClass);
        Map<String, List<String>> groups = new TreeMap<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier test : plan.getDescendants(root)) {
                if (!test.isTest()) {
                    continue;
                }
                TestIdentifier group = plan.getParent(test).orElseThrow();
                TestIdentifier owner = plan.getParent(group).orElseThrow();
                assertThat(owner.getSource()).as("class of the group of %s", test.getDisplayName())
                        .containsInstanceOf(ClassSource.class)
                        .hasValueSatisfying(s -> assertThat(((ClassSource) s).getJavaClass()).isEqualTo(kitClass));
                String method = ((MethodSource) test.getSource().orElseThrow()).getMethodName();
                assertThat(test.getDisplayName()).as("display name of %s", method)
                        .doesNotContain(method).contains(" ");
                String name = group.getDisplayName();
                groups.computeIfAbsent(name.substring(0, name.indexOf(':')), k -> new ArrayList<>()).add(method);
            }
        }
        groups.values().forEach(methods -> methods.sort(null));
        return groups;
    }

    private static TestPlan discover(Class<?> testClass) {
        return LauncherFactory.create().discover(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(testClass)).build());
    }
}
