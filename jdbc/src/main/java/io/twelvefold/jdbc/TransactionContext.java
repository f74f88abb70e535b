package io.twelvefold.jdbc;

import io.twelvefold.core.Event;
import io.twelvefold.core.ForwardingProcessorContext;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.TransportException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * The context of an attempt in a transaction: its emits are written to the outbox in that
 * transaction (the relay publishes them once it committed), and it hands out the transaction's
 * connection, which the processor may use but not commit, roll back or close.
 */
final class TransactionContext extends ForwardingProcessorContext {
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";
    private static final Set<String> OWNED = Set.of("commit", "close", "setAutoCommit", "abort");

    private final Connection raw;
    private final Connection guarded;
    private final Database database;
    /** Guarded by this. */
    private boolean closed;
    /** Guarded by this. */
    private int emitted;

    TransactionContext(ProcessorContext delegate, Connection raw, Database database) {
        super(delegate);
        this.raw = raw;
        this.database = database;
        this.guarded = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new Guard(raw, delegate.channel()));
    }

    /** The transaction's connection. */
    synchronized Connection connection() {
        if (closed) {
            throw new IllegalStateException("The JDBC transaction of channel '" + channel() + "' ended with its"
                    + " attempt; use Jdbc.connection(context) only while the processor runs");
        }
        return guarded;
    }

    @Override
    public void emit(String channel, Object payload) {
        store(channel, newEvent(channel, payload));
    }

    @Override
    public void emit(String channel, Event<?> event) {
        // checks the channel is a declared output now, so a typo fails the attempt, not the relay later
        newEvent(channel, event.data());
        store(channel, event);
    }

    private synchronized void store(String channel, Event<?> event) {
        if (closed) {
            throw new IllegalStateException("Event '" + event.id() + "' was emitted on channel '" + channel
                    + "' after the attempt on channel '" + channel() + "' ended; emit before the processor returns");
        }
        Event<?> e = event;
        if (e.header(TRACEPARENT).isEmpty()) {
            Event.Builder<?> b = e.toBuilder().header(TRACEPARENT, traceParent());
            String state = headers().get(TRACESTATE);
            if (state != null && e.header(TRACESTATE).isEmpty()) {
                b.header(TRACESTATE, state);
            }
            e = b.build();
        }
        try {
            OutboxStore.insert(raw, database.codec(), channel, e);
        } catch (SQLException ex) {
            throw new TransportException("Event '" + e.id() + "' for channel '" + channel + "' could not be written"
                    + " to the outbox: " + ex.getMessage() + "; the attempt is rolled back and retried", ex);
        }
        emitted++;
    }

    synchronized boolean emitted() {
        return emitted > 0;
    }

    synchronized void close() {
        closed = true;
    }

    /** Lets the processor use the connection but leaves the transaction's end to the interceptor. */
    private record Guard(Connection raw, String channel) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (OWNED.contains(name) || (name.equals("rollback") && method.getParameterCount() == 0)) {
                throw new IllegalStateException("Connection." + name + "() is not for the processor of channel '"
                        + channel + "': its transaction commits when the processor returns and rolls back when it"
                        + " throws");
            }
            try {
                return method.invoke(raw, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
