import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One line per firing: W, workload, key, start, end, sum, count; and one per window whose state Flink
 * clears (its cleanup time, end - 1 + allowed lateness, reached): C, workload, key, start, end. A session
 * merged into a later one is never cleared under its own bounds, so the cleared windows are exactly the
 * final ones, each with its last firing. Start and end are moved back to the workload's own time.
 */
final class FiringLine extends ProcessWindowFunction<Tuple2<Long, Long>, String, String, TimeWindow> {
    private final Map<String, Long> shifts;
    private final OutputTag<String> cleared;
    private static final ValueStateDescriptor<String> KEY = new ValueStateDescriptor<>("workload-and-key", String.class);

    FiringLine(Map<String, Long> shifts, OutputTag<String> cleared) {
        this.shifts = shifts;
        this.cleared = cleared;
    }

    private String window(String tag, String workloadAndKey, TimeWindow window) {
        int bar = workloadAndKey.indexOf('\u0000');
        String workload = workloadAndKey.substring(0, bar);
        long shift = shifts.get(workload);
        return String.join("\t", tag, workload, workloadAndKey.substring(bar + 1), Long.toString(window.getStart() - shift), Long.toString(window.getEnd() - shift));
    }

    @Override
    public void process(String workloadAndKey, Context context, Iterable<Tuple2<Long, Long>> results, Collector<String> out) throws IOException {
        Tuple2<Long, Long> result = results.iterator().next();
        context.globalState().getState(KEY).update(workloadAndKey);
        out.collect(window("W", workloadAndKey, context.window()) + "\t" + result.f0 + "\t" + result.f1);
    }

    @Override
    public void clear(Context context) {
        // The clear context has no key; every cleared window fired first, which left its key in the key's state.
        try {
            context.output(cleared, window("C", context.globalState().getState(KEY).value(), context.window()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
