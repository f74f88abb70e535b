package io.twelvefold.core.internal.dispatch;

/**
 * A list of deliveries linked through their own {@link Delivery#prev} and {@link Delivery#next}
 * fields: a lane's queue, or its started events ({@link AckSequencer}). A delivery is in at most one
 * list at a time (it leaves its lane's queue when it starts, and its started events when it is
 * acknowledged, retried or rewound), so a lane's lists cost no array and no node per event.
 * Iterate with {@code for (Delivery d = list.first(); d != null; d = d.next)}.
 *
 * <p>Not thread-safe: guarded by the scheduler's lock.
 */
class DeliveryList {
    private Delivery first;
    private Delivery last;
    private int size;

    final boolean isEmpty() {
        return first == null;
    }

    final int size() {
        return size;
    }

    /** @return the first delivery, or null */
    final Delivery first() {
        return first;
    }

    /** @return the last delivery, or null */
    final Delivery last() {
        return last;
    }

    final void addLast(Delivery d) {
        d.next = null;
        d.prev = last;
        if (last == null) {
            first = d;
        } else {
            last.next = d;
        }
        last = d;
        size++;
    }

    final void addFirst(Delivery d) {
        d.prev = null;
        d.next = first;
        if (first == null) {
            last = d;
        } else {
            first.prev = d;
        }
        first = d;
        size++;
    }

    /** @return the first delivery, removed, or null */
    final Delivery pollFirst() {
        Delivery d = first;
        if (d != null) {
            remove(d);
        }
        return d;
    }

    /** @return the last delivery, removed, or null */
    final Delivery pollLast() {
        Delivery d = last;
        if (d != null) {
            remove(d);
        }
        return d;
    }

    /** Removes a delivery of this list (the caller knows it is in this one). */
    final void remove(Delivery d) {
        if (d.prev == null) {
            first = d.next;
        } else {
            d.prev.next = d.next;
        }
        if (d.next == null) {
            last = d.prev;
        } else {
            d.next.prev = d.prev;
        }
        d.prev = null;
        d.next = null;
        size--;
    }
}
