package io.twelvefold.jdbc;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the database is, from {@code DATABASE_URL}: the JDBC URL, the credentials taken out of a
 * {@code postgres://user:password@host/db} URL, and the dialect. {@link #toString()} and every message
 * redact the credentials.
 */
record DatabaseUrl(String jdbcUrl, String user, String password, Dialect dialect) {
    static final String VARIABLE = "DATABASE_URL";
    private static final String EXAMPLE = "like 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app'";
    private static final Pattern USER_INFO = Pattern.compile("^((?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&;]*");

    /**
     * Parses a URL in one of the accepted forms.
     *
     * @param value the URL, never null
     * @return the database, or empty with the problem in {@code problem[0]}
     */
    static Optional<DatabaseUrl> parse(String value, String[] problem) {
        String v = value.strip();
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            return Optional.of(new DatabaseUrl(v, null, null, Dialect.POSTGRESQL));
        }
        if (lower.startsWith("jdbc:h2:")) {
            return Optional.of(new DatabaseUrl(v, null, null, Dialect.H2));
        }
        if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
            return fromUri(v, problem);
        }
        problem[0] = VARIABLE + " must be a PostgreSQL or H2 URL " + EXAMPLE + ", was '" + redact(v) + "'";
        return Optional.empty();
    }

    private static Optional<DatabaseUrl> fromUri(String v, String[] problem) {
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            // the exception's message repeats the input, credentials and all: only its reason is shown
            problem[0] = VARIABLE + " is not a valid URL (" + e.getReason() + "), was '" + redact(v) + "'; write it "
                    + EXAMPLE;
            return Optional.empty();
        }
        if (uri.getHost() == null) {
            problem[0] = VARIABLE + " must name a host and, if any, a numeric port, was '" + redact(v) + "'; write it "
                    + EXAMPLE;
            return Optional.empty();
        }
        String path = uri.getRawPath();
        if (path == null || path.length() < 2) {
            problem[0] = VARIABLE + " must name a database after the host, was '" + redact(v) + "'; write it "
                    + EXAMPLE;
            return Optional.empty();
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + path
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return Optional.of(new DatabaseUrl(jdbc, user, password, Dialect.POSTGRESQL));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** A URL as it may be shown: user info and password parameters replaced by {@code <redacted>}. */
    static String redact(String url) {
        String s = USER_INFO.matcher(url).replaceFirst("$1<redacted>@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1<redacted>");
    }

    @Override
    public String toString() {
        return redact(jdbcUrl) + (user == null ? "" : " as " + user);
    }
}
