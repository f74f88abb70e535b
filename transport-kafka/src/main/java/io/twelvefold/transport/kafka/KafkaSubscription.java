package io.twelvefold.transport.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer in a group, driven by its own poll thread, which alone touches the consumer (except
 * {@code wakeup}). Records are fetched into a buffer of at most one poll batch and delivered one
 * at a time while the subscription is not paused; while anything is buffered or the runtime
 * paused, every assigned partition is paused in the consumer, which keeps polling (heartbeats,
 * rebalances, commits). Acknowledgements are queued by any thread and applied by the poll thread,
 * which commits asynchronously every {@value #COMMIT_INTERVAL_MS} ms, and synchronously on revoke
 * and on close.
 */
final class KafkaSubscription implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSubscription.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final long COMMIT_INTERVAL_MS = 100;
    private static final long LAG_INTERVAL_MS = 1000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SETTLE_MAX = Duration.ofSeconds(10);
    static final int DEFAULT_FETCH_MAX_WAIT_MS = 100;
    /** The classic protocol's session timeout (the client's default: 45 s); see the constructor. */
    static final int DEFAULT_SESSION_TIMEOUT_MS = 10_000;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private record Ack(PartitionOffsets offsets, long offset) {
    }

    private final KafkaTransport transport;
    private final SubscriptionRequest request;
    private final MessageHandler handler;
    private final String topic;
    private final String offsetReset;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaMeters.ClientMetrics consumerMetrics;
    private final Thread thread;
    private final CountDownLatch joined = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Long> lags = new ConcurrentHashMap<>();
    private final Map<Integer, Meter> lagGauges = new HashMap<>();

    // poll thread only
    private final Map<TopicPartition, PartitionOffsets> owned = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<String, byte[]>> buffer = new ArrayDeque<>();
    private long lastCommit;
    private long lastLag;

    private volatile boolean paused;
    private volatile boolean closing;
    private volatile boolean aborted;
    private volatile boolean inPoll;
    /** Whether this member was assigned every partition of the topic (no one else to wait for). */
    private volatile boolean ownsAll;
    private volatile RuntimeException failure;

    KafkaSubscription(KafkaTransport transport, SubscriptionRequest request, MessageHandler handler) {
        this.transport = transport;
        this.request = request;
        this.handler = handler;
        this.topic = request.destination();
        KafkaTransportConfig config = transport.config();
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // An idle consumer always has a fetch held by the broker for fetch.max.wait.ms, and close()
        // waits for it (its fetch session is closed on the same connection, after it): 100 ms
        // rather than the client's 500 keeps a drained shutdown short, at the cost of up to 10
        // instead of 2 empty fetches a second per broker while idle. Latency and throughput do not
        // change: a fetch returns as soon as records arrive.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, DEFAULT_FETCH_MAX_WAIT_MS);
        props.putAll(config.clientProperties(ConsumerConfig.configNames()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, request.group());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, config.groupProtocol);
        if ("classic".equals(config.groupProtocol)) {
            props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            // A member that dies without leaving (SIGKILL, a lost node) holds its partitions until
            // its session expires: 10 s rather than the client's 45 s, so that another member goes
            // on within about 15 s. A member silent for longer (a pause, a cut network) is then
            // given up sooner too. Heartbeats (every 3 s, the client's default) come from the client's own
            // thread, however long events take.
            props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, DEFAULT_SESSION_TIMEOUT_MS);
        }
        int n = SEQUENCE.incrementAndGet();
        String clientId = config.clientId("consumer-" + request.group() + "-" + n);
        if (clientId != null) {
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        }
        this.offsetReset = String.valueOf(props.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)).strip();
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.consumerMetrics = transport.meters().client(() -> new KafkaClientMetrics(consumer));
        this.thread = new Thread(this::run, "twelvefold-kafka-" + topic + "-" + n);
        thread.setDaemon(true);
    }

    /** Starts the poll thread and waits until the group is joined. */
    void start() {
        thread.start();
        Duration timeout = transport.config().subscribeTimeout;
        try {
            if (!joined.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TransportException("Subscribing group '" + request.group() + "' to Kafka topic '" + topic
                        + "' did not join the group within " + BrokerProbe.shown(timeout) + ": is the cluster at '"
                        + transport.config().bootstrapServers + "' reachable? (twelvefold.kafka.subscribe-timeout)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("Interrupted while subscribing to Kafka topic '" + topic + "'", e);
        }
        RuntimeException f = failure;
        if (f != null) {
            throw new TransportException("Subscribing group '" + request.group() + "' to Kafka topic '" + topic
                    + "' failed: " + f.getMessage(), f);
        }
        // A member alone in its group has every partition at once; one joining others waits until
        // they handed partitions over, or it would start after they drained the backlog.
        if ("consumer".equals(transport.config().groupProtocol)) {
            transport.awaitGroupSettled(request.group(), timeout.compareTo(SETTLE_MAX) < 0 ? timeout : SETTLE_MAX,
                    () -> ownsAll);
        }
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        if (inPoll && !closing) {
            // end the poll at once, so delivery goes on without waiting for the poll timeout
            consumer.wakeup();
        }
    }

    @Override
    public void close() {
        stop(false);
    }

    /** Stops like a crash: no commit of what was acknowledged since the last commit. For tests. */
    void abort() {
        stop(true);
    }

    private void stop(boolean abort) {
        if (abort) {
            aborted = true;
        }
        if (closing) {
            return;
        }
        closing = true;
        consumer.wakeup();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(CLOSE_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transport.closed(this);
    }

    /** Any thread: an acknowledgement for the poll thread to apply. */
    void acked(PartitionOffsets offsets, long offset) {
        if (!closing || thread.isAlive()) {
            acks.add(new Ack(offsets, offset));
        }
    }

    // ------------------------------------------------------------------------------ poll thread

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new Listener());
            while (!closing) {
                ConsumerRecords<String, byte[]> records = poll();
                for (ConsumerRecord<String, byte[]> r : records) {
                    buffer.add(r);
                }
                if (joined.getCount() > 0 && consumer.groupMetadata().generationId() > 0) {
                    joined.countDown();
                }
                deliver();
                drainAcks();
                long now = System.currentTimeMillis();
                if (now - lastCommit >= COMMIT_INTERVAL_MS) {
                    lastCommit = now;
                    commitAsync();
                }
                applyPause();
                if (now - lastLag >= LAG_INTERVAL_MS) {
                    lastLag = now;
                    updateLag();
                }
            }
        } catch (InterruptException e) {
            LOG.warn("Kafka consumer of topic '{}' (group '{}') interrupted", topic, request.group());
        } catch (RuntimeException | Error e) {
            if (!closing) {
                LOG.error("Kafka consumer of topic '{}' (group '{}') stopped: {}", topic, request.group(), e.toString(), e);
                failure = e instanceof RuntimeException ? (RuntimeException) e : new KafkaException(e);
                try {
                    handler.onCancelled("the Kafka consumer stopped: " + e);
                } catch (RuntimeException ignored) {
                    // the handler's problem, not ours
                }
            }
        } finally {
            joined.countDown();
            shutdown();
        }
    }

    private ConsumerRecords<String, byte[]> poll() {
        inPoll = true;
        try {
            if (closing) {
                return ConsumerRecords.empty();
            }
            return consumer.poll(POLL_TIMEOUT);
        } catch (WakeupException e) {
            return ConsumerRecords.empty();
        } finally {
            inPoll = false;
        }
    }

    private void deliver() {
        while (!paused && !closing) {
            ConsumerRecord<String, byte[]> r = buffer.pollFirst();
            if (r == null) {
                return;
            }
            PartitionOffsets offsets = owned.get(new TopicPartition(r.topic(), r.partition()));
            if (offsets == null || !offsets.delivering(r.offset())) {
                continue;
            }
            handler.onMessage(new KafkaIncomingMessage(this, offsets, r, CloudEventsBinding.fromHeaders(r.headers())));
        }
    }

    private void drainAcks() {
        Ack ack;
        while ((ack = acks.poll()) != null) {
            if (!ack.offsets().revoked) {
                ack.offsets().acked(ack.offset());
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionOffsets offsets = owned.get(tp);
            OffsetAndMetadata o = offsets == null ? null : offsets.toCommit();
            if (o != null) {
                commit.put(tp, o);
            }
        }
        return commit;
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> commit = toCommit(owned.keySet());
        if (commit.isEmpty()) {
            return;
        }
        commit.forEach((tp, o) -> owned.get(tp).committed(o));
        consumer.commitAsync(commit, (offsets, error) -> {
            if (error != null) {
                LOG.debug("Asynchronous commit of {} failed, will commit again: {}", offsets, error.toString());
                offsets.keySet().forEach(tp -> {
                    PartitionOffsets po = owned.get(tp);
                    if (po != null) {
                        po.commitFailed();
                    }
                });
            }
        });
    }

    private void commitSync(Collection<TopicPartition> partitions) {
        if (aborted) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commit = toCommit(partitions);
        if (commit.isEmpty()) {
            return;
        }
        try {
            retryOnWakeup(() -> {
                consumer.commitSync(commit, CLOSE_TIMEOUT);
                return null;
            });
            commit.forEach((tp, o) -> owned.get(tp).committed(o));
        } catch (KafkaException e) {
            LOG.warn("Commit of {} for group '{}' failed; those records will be delivered again: {}", commit,
                    request.group(), e.toString());
        }
    }

    private void applyPause() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        if (paused || !buffer.isEmpty()) {
            if (consumer.paused().size() != assigned.size()) {
                consumer.pause(assigned);
            }
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void updateLag() {
        registerLagGauges();
        try {
            computeLag();
        } catch (KafkaException e) {
            LOG.debug("Consumer lag of topic '{}' not known yet: {}", topic, e.toString());
        }
    }

    /** One gauge per owned partition, registered here rather than in the assignment callback (the first fetch waits for that). */
    private void registerLagGauges() {
        MeterRegistry registry = transport.meters().registry();
        if (registry == null) {
            return;
        }
        for (TopicPartition tp : owned.keySet()) {
            lagGauges.computeIfAbsent(tp.partition(), p -> Gauge.builder("twelvefold.consumer.lag", lags,
                            m -> m.getOrDefault(p, 0L))
                    .description("Records of the partition not yet processed and committed by this member")
                    .tag("transport", KafkaTransportProvider.NAME)
                    .tag("destination", topic)
                    .tag("group", request.group())
                    .tag("partition", Integer.toString(p))
                    .register(registry));
        }
    }

    private void computeLag() {
        for (Map.Entry<TopicPartition, PartitionOffsets> e : owned.entrySet()) {
            OptionalLong lag = consumer.currentLag(e.getKey());
            long point = e.getValue().commitPoint();
            if (lag.isPresent() && point >= 0) {
                long end = consumer.position(e.getKey(), Duration.ZERO) + lag.getAsLong();
                lags.put(e.getKey().partition(), Math.max(0, end - point));
            }
        }
    }

    private void shutdown() {
        try {
            drainAcks();
            commitSync(owned.keySet());
        } catch (RuntimeException e) {
            LOG.warn("Final commit of group '{}' on topic '{}' failed: {}", request.group(), topic, e.toString());
        }
        try {
            consumer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("Closing the Kafka consumer of topic '{}' failed: {}", topic, e.toString());
        }
        transport.meters().close(consumerMetrics);
        MeterRegistry registry = transport.meters().registry();
        if (registry != null) {
            lagGauges.values().forEach(registry::remove);
        }
        lagGauges.clear();
        buffer.clear();
    }

    private <T> T retryOnWakeup(Supplier<T> call) {
        for (int i = 0; ; i++) {
            try {
                return call.get();
            } catch (WakeupException e) {
                // a resume() or close() woke the consumer up; this call must still complete
                if (i >= 3) {
                    throw e;
                }
            }
        }
    }

    /** Runs inside {@code poll}, on the poll thread. */
    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                Set<TopicPartition> added = new HashSet<>(partitions);
                Map<TopicPartition, OffsetAndMetadata> committed =
                        retryOnWakeup(() -> consumer.committed(added, CLOSE_TIMEOUT));
                position(added, committed);
                // the first fetches carry the end offsets: no lag requests before they are in
                lastLag = System.currentTimeMillis();
                for (TopicPartition tp : added) {
                    owned.put(tp, new PartitionOffsets(tp, committed.get(tp)));
                }
                if (paused || !buffer.isEmpty()) {
                    consumer.pause(added);
                }
                ownsAll = owned.size() >= partitionCount();
                LOG.debug("Group '{}' assigned {}", request.group(), new TreeSet<>(partitionNumbers(added)));
            }
            joined.countDown();
        }

        private void release(Collection<TopicPartition> partitions, boolean commit) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<TopicPartition> gone = new HashSet<>(partitions);
            ownsAll = false;
            buffer.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
            try {
                // the runtime drops their queued events and waits for the running ones, whose acks land here
                handler.onPartitionsRevoked(partitionNumbers(gone));
            } catch (RuntimeException e) {
                LOG.warn("The handler failed on revoked partitions {}: {}", gone, e.toString());
            }
            drainAcks();
            for (TopicPartition tp : gone) {
                PartitionOffsets offsets = owned.get(tp);
                if (offsets != null) {
                    offsets.revoked = true;
                }
            }
            if (commit) {
                commitSync(gone);
            }
            for (TopicPartition tp : gone) {
                owned.remove(tp);
                lags.remove(tp.partition());
                Meter gauge = lagGauges.remove(tp.partition());
                MeterRegistry registry = transport.meters().registry();
                if (gauge != null && registry != null) {
                    registry.remove(gauge);
                }
            }
            LOG.debug("Group '{}' released {} ({})", request.group(), partitionNumbers(gone),
                    commit ? "revoked" : "lost");
        }

        /**
         * Positions the new partitions where the consumer would (the committed offset, else the
         * reset policy), from the committed offsets just read: the consumer then fetches at once
         * instead of reading the committed offsets a second time. A policy other than earliest or
         * latest is left to the consumer.
         */
        private void position(Set<TopicPartition> added, Map<TopicPartition, OffsetAndMetadata> committed) {
            List<TopicPartition> uncommitted = new java.util.ArrayList<>();
            for (TopicPartition tp : added) {
                OffsetAndMetadata o = committed.get(tp);
                if (o != null) {
                    consumer.seek(tp, o);
                } else {
                    uncommitted.add(tp);
                }
            }
            if (!uncommitted.isEmpty() && "earliest".equalsIgnoreCase(offsetReset)) {
                consumer.seekToBeginning(uncommitted);
            } else if (!uncommitted.isEmpty() && "latest".equalsIgnoreCase(offsetReset)) {
                consumer.seekToEnd(uncommitted);
            }
        }

        /** The topic's partitions as the consumer's metadata knows them (it has them once subscribed); MAX_VALUE if not. */
        private int partitionCount() {
            try {
                int n = consumer.partitionsFor(topic, Duration.ZERO).size();
                return n > 0 ? n : Integer.MAX_VALUE;
            } catch (KafkaException e) {
                return Integer.MAX_VALUE;
            }
        }

        private Set<Integer> partitionNumbers(Collection<TopicPartition> partitions) {
            Set<Integer> numbers = new HashSet<>();
            partitions.forEach(tp -> numbers.add(tp.partition()));
            return numbers;
        }
    }
}
