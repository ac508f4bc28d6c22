import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/** Flink's tumbling or sliding assigner for the workload's own size and slide; the operator settings stay per branch. */
final class FixedWindowsOfWorkload extends WindowAssigner<Object, TimeWindow> {
    private final boolean tumbling;
    private transient Map<Long, WindowAssigner<Object, TimeWindow>> assigners;

    FixedWindowsOfWorkload(boolean tumbling) {
        this.tumbling = tumbling;
    }

    @Override
    public Collection<TimeWindow> assignWindows(Object record, long timestamp, WindowAssignerContext context) {
        WorkloadRecord element = (WorkloadRecord) record;
        if (assigners == null) assigners = new HashMap<>();
        WindowAssigner<Object, TimeWindow> assigner = assigners.computeIfAbsent(element.sizeMs * 1_000_003L + element.slideMs, (ignored) -> tumbling
            ? TumblingEventTimeWindows.of(Duration.ofMillis(element.sizeMs))
            : SlidingEventTimeWindows.of(Duration.ofMillis(element.sizeMs), Duration.ofMillis(element.slideMs)));
        return assigner.assignWindows(element, timestamp, context);
    }

    @Override
    public Trigger<Object, TimeWindow> getDefaultTrigger() {
        return EventTimeTrigger.create();
    }

    @Override
    public TypeSerializer<TimeWindow> getWindowSerializer(ExecutionConfig executionConfig) {
        return new TimeWindow.Serializer();
    }

    @Override
    public boolean isEventTime() {
        return true;
    }
}
