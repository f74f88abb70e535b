package io.twelvefold.core;

import java.util.List;

/**
 * The configuration is invalid. Thrown once at startup with every problem found, each naming the
 * configuration key and the environment variable to set.
 */
public class ConfigurationException extends TwelvefoldException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * Creates an exception listing several problems.
     *
     * @param problems one line per problem, never null or empty
     */
    public ConfigurationException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * Creates an exception for one problem.
     *
     * @param problem the problem, naming the key and the environment variable
     */
    public ConfigurationException(String problem) {
        this(List.of(problem));
    }

    /**
     * Every problem found, one line each.
     *
     * @return an immutable list, never null or empty
     */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) {
            return "Configuration is invalid: " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder("Configuration is invalid (")
                .append(problems.size()).append(" problems):");
        for (String p : problems) {
            sb.append(System.lineSeparator()).append("  - ").append(p);
        }
        return sb.toString();
    }
}
