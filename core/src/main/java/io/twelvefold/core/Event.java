package io.twelvefold.core;

import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import io.twelvefold.core.internal.Ids;

/**
 * An immutable event envelope: the CloudEvents 1.0 context attributes, a partition key, string
 * headers (CloudEvents extensions such as {@code traceparent}, and any other header), and the
 * payload.
 *
 * <p>{@code id}, {@code source}, {@code type} and {@code specversion} are always present. The
 * partition key decides ordering: events with the same key are processed one at a time, in order.
 * Instances are thread-safe.
 *
 * @param <T> the payload type
 */
public final class Event<T> {
    /** The CloudEvents specification version this envelope follows. */
    public static final String SPEC_VERSION = "1.0";

    private final String id;
    private final String source;
    private final String type;
    private final OffsetDateTime time;
    private final String subject;
    private final String dataContentType;
    private final String key;
    private final Map<String, String> headers;
    private final T data;

    private Event(Builder<T> b) {
        this.id = b.id != null ? b.id : Ids.newId();
        this.source = require(b.source, "source");
        this.type = require(b.type, "type");
        this.time = b.time;
        this.subject = b.subject;
        this.dataContentType = b.dataContentType;
        this.key = b.key;
        this.headers = b.handHeaders();
        this.data = b.data;
    }

    private static String require(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("Event attribute '" + name + "' is required, was "
                    + (value == null ? "null" : "''") + "; set it with Event.builder()." + name + "(...)");
        }
        return value;
    }

    /**
     * Starts a builder for an event carrying {@code data}.
     *
     * @param data the payload, may be null
     * @param <T> the payload type
     * @return a new builder, never null
     */
    public static <T> Builder<T> builder(T data) {
        return new Builder<T>().data(data);
    }

    /**
     * Creates an event with a generated id and the given source, type and payload.
     *
     * @param source the CloudEvents {@code source}, never null
     * @param type the CloudEvents {@code type}, never null
     * @param data the payload, may be null
     * @param <T> the payload type
     * @return a new event, never null
     */
    public static <T> Event<T> create(String source, String type, T data) {
        return builder(data).source(source).type(type).build();
    }

    /** @return the CloudEvents {@code id}, never null */
    public String id() {
        return id;
    }

    /** @return the CloudEvents {@code source} (a URI reference), never null */
    public String source() {
        return source;
    }

    /** @return the CloudEvents {@code type}, never null */
    public String type() {
        return type;
    }

    /** @return the CloudEvents {@code specversion}, always {@value #SPEC_VERSION} */
    public String specVersion() {
        return SPEC_VERSION;
    }

    /** @return the CloudEvents {@code time}, if set */
    public Optional<OffsetDateTime> time() {
        return Optional.ofNullable(time);
    }

    /** @return the CloudEvents {@code subject}, if set */
    public Optional<String> subject() {
        return Optional.ofNullable(subject);
    }

    /** @return the CloudEvents {@code datacontenttype}, if set */
    public Optional<String> dataContentType() {
        return Optional.ofNullable(dataContentType);
    }

    /** @return the partition key, if set; events with the same key are processed in order */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** @return the headers (CloudEvents extensions and others), immutable, never null */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * One header.
     *
     * @param name the header name
     * @return its value, if present
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /** @return the payload, may be null */
    public T data() {
        return data;
    }

    /**
     * A builder initialised with every attribute of this event, to derive a changed copy.
     *
     * @return a new builder, never null
     */
    public Builder<T> toBuilder() {
        Builder<T> b = new Builder<T>().id(id).source(source).type(type).time(time).subject(subject)
                .dataContentType(dataContentType).key(key).data(data);
        b.headers(headers);
        return b;
    }

    /**
     * A copy of this event with another payload and the same attributes.
     *
     * @param newData the new payload, may be null
     * @param <U> the new payload type
     * @return a new event, never null
     */
    public <U> Event<U> withData(U newData) {
        Builder<U> b = new Builder<U>().id(id).source(source).type(type).time(time).subject(subject)
                .dataContentType(dataContentType).key(key).data(newData);
        b.headers(headers);
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Event)) {
            return false;
        }
        Event<?> e = (Event<?>) o;
        return id.equals(e.id) && source.equals(e.source) && type.equals(e.type)
                && Objects.equals(time, e.time) && Objects.equals(subject, e.subject)
                && Objects.equals(dataContentType, e.dataContentType) && Objects.equals(key, e.key)
                && headers.equals(e.headers) && Objects.deepEquals(data, e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, source, type, key);
    }

    @Override
    public String toString() {
        return "Event{id=" + id + ", source=" + source + ", type=" + type
                + (key != null ? ", key=" + key : "") + (subject != null ? ", subject=" + subject : "") + "}";
    }

    /**
     * Builds an {@link Event}. Not thread-safe. {@code source} and {@code type} are required; the
     * {@code id} defaults to a random UUID.
     *
     * @param <T> the payload type
     */
    public static final class Builder<T> {
        private String id;
        private String source;
        private String type;
        private OffsetDateTime time;
        private String subject;
        private String dataContentType;
        private String key;
        /** Null until the first header; handed to the events built, and copied before a change after that. */
        private Map<String, String> headers;
        private boolean headersHanded;
        private T data;

        private Builder() {
        }

        /** @param id the CloudEvents {@code id}; null for a random UUID @return this builder */
        public Builder<T> id(String id) {
            this.id = id;
            return this;
        }

        /** @param source the CloudEvents {@code source}, required @return this builder */
        public Builder<T> source(String source) {
            this.source = source;
            return this;
        }

        /** @param type the CloudEvents {@code type}, required @return this builder */
        public Builder<T> type(String type) {
            this.type = type;
            return this;
        }

        /** @param time the CloudEvents {@code time}, may be null @return this builder */
        public Builder<T> time(OffsetDateTime time) {
            this.time = time;
            return this;
        }

        /** @param subject the CloudEvents {@code subject}, may be null @return this builder */
        public Builder<T> subject(String subject) {
            this.subject = subject;
            return this;
        }

        /** @param dataContentType the CloudEvents {@code datacontenttype}, may be null @return this builder */
        public Builder<T> dataContentType(String dataContentType) {
            this.dataContentType = dataContentType;
            return this;
        }

        /** @param key the partition key, may be null (no ordering) @return this builder */
        public Builder<T> key(String key) {
            this.key = key;
            return this;
        }

        /**
         * Sets one header, replacing any previous value.
         *
         * @param name the header name, never null
         * @param value the value, never null
         * @return this builder
         */
        public Builder<T> header(String name, String value) {
            writableHeaders().put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Adds every header of the map, replacing previous values.
         *
         * @param all the headers, never null
         * @return this builder
         */
        public Builder<T> headers(Map<String, String> all) {
            all.forEach(this::header);
            return this;
        }

        /**
         * Removes a header, if present.
         *
         * @param name the header name, never null
         * @return this builder
         */
        public Builder<T> removeHeader(String name) {
            Objects.requireNonNull(name, "name");
            if (headers != null && headers.containsKey(name)) {
                writableHeaders().remove(name);
            }
            return this;
        }

        /** @param data the payload, may be null @return this builder */
        public Builder<T> data(T data) {
            this.data = data;
            return this;
        }

        /**
         * Builds the event.
         *
         * @return a new immutable event, never null
         * @throws IllegalArgumentException when {@code source} or {@code type} is missing
         */
        public Event<T> build() {
            return new Event<>(this);
        }

        private Map<String, String> writableHeaders() {
            if (headers == null) {
                headers = new LinkedHashMap<>();
            } else if (headersHanded) {
                headers = new LinkedHashMap<>(headers);
                headersHanded = false;
            }
            return headers;
        }

        /** The headers of an event being built: this builder's own map, never changed after this. */
        private Map<String, String> handHeaders() {
            if (headers == null || headers.isEmpty()) {
                return Map.of();
            }
            headersHanded = true;
            return Collections.unmodifiableMap(headers);
        }
    }
}
