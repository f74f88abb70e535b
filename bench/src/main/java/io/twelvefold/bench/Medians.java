package io.twelvefold.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** The median the harnesses report. */
public final class Medians {
    private Medians() {
    }

    /**
     * @param items the runs (not empty)
     * @param value what to take of each
     * @return the median of those values (the mean of the middle two for an even count)
     */
    public static <T> double of(List<T> items, ToDoubleFunction<? super T> value) {
        double[] v = items.stream().mapToDouble(value).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
