package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeliveryListTest {
    private final Lane lane = new Lane("k");

    @Test
    @DisplayName("adds at both ends, polls from both ends and removes from the middle, in order")
    void operations() {
        DeliveryList list = new DeliveryList();
        Delivery a = delivery(1);
        Delivery b = delivery(2);
        Delivery c = delivery(3);
        Delivery d = delivery(4);
        list.addLast(b);
        list.addLast(c);
        list.addFirst(a);
        list.addLast(d);
        assertThat(offsets(list)).containsExactly(1L, 2L, 3L, 4L);

        list.remove(c);
        assertThat(offsets(list)).containsExactly(1L, 2L, 4L);
        assertThat(c.prev).isNull();
        assertThat(c.next).isNull();
        assertThat(list.pollLast()).isSameAs(d);
        assertThat(list.pollFirst()).isSameAs(a);
        assertThat(list.first()).isSameAs(b);
        assertThat(list.last()).isSameAs(b);
        assertThat(list.pollFirst()).isSameAs(b);
        assertThat(list.isEmpty()).isTrue();
        assertThat(list.pollFirst()).isNull();
        assertThat(list.pollLast()).isNull();
    }

    @Test
    @DisplayName("a delivery moves from one list to another with its links reset")
    void move() {
        DeliveryList queue = new DeliveryList();
        DeliveryList started = new DeliveryList();
        Delivery a = delivery(1);
        Delivery b = delivery(2);
        queue.addLast(a);
        queue.addLast(b);
        started.addLast(queue.pollFirst());
        assertThat(offsets(queue)).containsExactly(2L);
        assertThat(offsets(started)).containsExactly(1L);
        queue.addFirst(started.pollLast());
        assertThat(offsets(queue)).containsExactly(1L, 2L);
        assertThat(started.isEmpty()).isTrue();
    }

    private Delivery delivery(long offset) {
        return new Delivery(message("k", "\"x\"", offset), lane);
    }

    private static List<Long> offsets(DeliveryList list) {
        List<Long> offsets = new ArrayList<>();
        for (Delivery d = list.first(); d != null; d = d.next) {
            offsets.add(d.message.offset());
        }
        return offsets;
    }
}
