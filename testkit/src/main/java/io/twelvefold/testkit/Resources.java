package io.twelvefold.testkit;

import java.util.ArrayDeque;
import java.util.Deque;

/** What a test opened, closed the last opened first, every one of them even when some fail. Not thread-safe. */
final class Resources implements AutoCloseable {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** @return {@code resource}, to be closed by {@link #close()} */
    <T extends AutoCloseable> T push(T resource) {
        opened.push(resource);
        return resource;
    }

    /** @throws Exception the first failure to close, with the others suppressed */
    @Override
    public void close() throws Exception {
        Exception failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
