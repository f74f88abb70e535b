package io.twelvefold.jdbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import io.twelvefold.core.spi.AdminCommand;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ExtensionContext;
import io.twelvefold.core.spi.ExtensionHealth;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * An app's database: the pool for {@code DATABASE_URL}, idempotent consumers, and the transactional
 * outbox with its relay. Register it as an extension and intercept the channels that write to the
 * database:
 *
 * <pre>{@code
 * Jdbc jdbc = Jdbc.create();
 * App.builder().name("orders")
 *         .extension(jdbc)
 *         .intercept("orders", jdbc.idempotent())
 *         .processor("orders", Order.class, (event, context) -> {
 *             Connection c = Jdbc.connection(context);    // the attempt's transaction
 *             ...                                         // the processor's writes
 *             context.emit("shipments", new Shipment(...)); // to the outbox, in the same transaction
 *         })
 *         .output("shipments")
 *         .build().run(args);
 * }</pre>
 *
 * <p>Settings: {@code DATABASE_URL} ({@code postgres://user:password@host:5432/db},
 * {@code postgresql://...}, {@code jdbc:postgresql://...} or {@code jdbc:h2:...}) and
 * {@code twelvefold.jdbc.*} ({@code TWELVEFOLD_JDBC_*}), listed in docs/configuration.md. The
 * schema is applied by the {@code migrate} command or at start ({@code migrate-at-start}).
 *
 * <p>Thread-safe. The pool opens on first use (the first event, or the app's start), not when the
 * app is built.
 */
public final class Jdbc implements Extension {
    private final Database database;
    private final Outbox outbox;

    private Jdbc(Builder b) {
        this.database = new Database(b.defaultUrl);
        this.outbox = new Outbox(database);
    }

    /**
     * The database of {@code DATABASE_URL}, which must be set.
     *
     * @return a new extension, never null
     */
    public static Jdbc create() {
        return builder().build();
    }

    /** @return a builder, for a default database, never null */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The connection of the transaction the processor runs in, on a channel intercepted by
     * {@link #idempotent()} or {@link #transactional()}. The transaction commits when the processor
     * (and the interceptors inside) returned, and rolls back when one threw: the processor must not
     * commit, roll back or close the connection (those calls throw); savepoints are fine.
     *
     * @param context the processor's context, never null
     * @return the connection, never null
     * @throws IllegalStateException when the channel has no transaction, or the attempt is over
     */
    public static Connection connection(ProcessorContext context) {
        return TransactionInterceptor.connection(Objects.requireNonNull(context, "context"));
    }

    /**
     * An interceptor that runs each attempt in a transaction (see {@link #connection}) and skips an
     * event its consumer group processed before: the event id is recorded in
     * {@code twelvefold_processed} in the same transaction as the processor's writes, so a
     * redelivered event whose first processing committed is acknowledged without running the
     * processor again. Events the processor emits go to the outbox in that transaction.
     *
     * @return the interceptor, never null
     */
    public ProcessorInterceptor idempotent() {
        return new TransactionInterceptor(database, true);
    }

    /**
     * An interceptor that runs each attempt in a transaction (see {@link #connection}), with emits
     * going to the outbox in it, without the duplicate check of {@link #idempotent()}.
     *
     * @return the interceptor, never null
     */
    public ProcessorInterceptor transactional() {
        return new TransactionInterceptor(database, false);
    }

    /** @return the outbox, for code outside processors, never null */
    public Outbox outbox() {
        return outbox;
    }

    /**
     * The pool, opened on first call.
     *
     * @return the data source, never null
     * @throws IllegalStateException before the app was built with this extension
     * @throws io.twelvefold.core.TransportException when the database cannot be reached
     */
    public DataSource dataSource() {
        return database.dataSource();
    }

    /** @return {@code jdbc}: settings under {@code twelvefold.jdbc.} */
    @Override
    public String name() {
        return "jdbc";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return JdbcSettings.KEYS;
    }

    @Override
    public List<ConfigKey> environmentVariables() {
        return JdbcSettings.VARIABLES;
    }

    @Override
    public void validate(ExtensionContext context) {
        List<String> problems = new ArrayList<>();
        try {
            database.configure(context);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        byte[] probe = {1, 2, 3};
        if (!Arrays.equals(context.codec().encode(probe), probe)) {
            problems.add("Codec '" + context.codec().contentType() + "' changes byte[] payloads,"
                    + " which the outbox relay sends as stored; use a codec that passes byte[] through, like"
                    + " Codec.json()");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    @Override
    public void start(ExtensionContext context) {
        database.configure(context);
        database.publisher(context.publisher());
        try {
            database.start();
        } catch (RuntimeException e) {
            // the runtime stops only the extensions that started: release the pool here
            database.stop();
            throw e;
        }
    }

    @Override
    public void onReady(MeterRegistry registry) {
        database.register(registry);
    }

    @Override
    public ExtensionHealth health() {
        OutboxRelay relay = database.relay();
        if (relay == null) {
            return ExtensionHealth.UP;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("outboxBacklog", relay.backlog());
        data.put("outboxLagSeconds", relay.lagSeconds());
        String problem = relay.problem();
        if (problem != null) {
            data.put("problem", problem);
        }
        return new ExtensionHealth(problem == null, data);
    }

    @Override
    public void stop() {
        database.stop();
    }

    @Override
    public List<AdminCommand> commands() {
        return List.of(new MigrateCommand(database.defaultUrl()));
    }

    /** Builds a {@link Jdbc}. */
    public static final class Builder {
        private String defaultUrl;

        private Builder() {
        }

        /**
         * The database to use when {@code DATABASE_URL} is not set, such as an embedded H2 file
         * ({@code jdbc:h2:file:./data/orders}) or memory database ({@code jdbc:h2:mem:orders;DB_CLOSE_DELAY=-1}).
         *
         * @param url a URL in one of the forms {@code DATABASE_URL} takes, never null
         * @return this builder
         */
        public Builder defaultUrl(String url) {
            this.defaultUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /** @return a new extension, never null */
        public Jdbc build() {
            return new Jdbc(this);
        }
    }
}
