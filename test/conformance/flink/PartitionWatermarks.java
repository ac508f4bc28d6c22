import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;

/** Per-partition bounded out-of-orderness, combined as the minimum over the partitions, after every record. */
final class PartitionWatermarks implements WatermarkGenerator<WorkloadRecord> {
    private String workload;
    private WatermarkOutputMultiplexer multiplexer;
    private List<BoundedOutOfOrdernessWatermarks<WorkloadRecord>> perPartition;
    private long combined = Long.MIN_VALUE;
    private long forwarded = Long.MIN_VALUE;

    private final WatermarkOutput capture = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            combined = watermark.getTimestamp();
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    };

    @Override
    public void onEvent(WorkloadRecord record, long timestamp, WatermarkOutput output) {
        if (!record.workload.equals(workload)) {
            // A new workload: its partitions start from nothing, as a fresh Kafka source's splits do.
            workload = record.workload;
            multiplexer = new WatermarkOutputMultiplexer(capture);
            perPartition = new ArrayList<>();
            combined = Long.MIN_VALUE;
            for (int p = 0; p < record.partitions; p++) {
                multiplexer.registerNewOutput(String.valueOf(p));
                perPartition.add(new BoundedOutOfOrdernessWatermarks<>(Duration.ofMillis(record.outOfOrdernessMs)));
            }
        }
        String split = String.valueOf(record.partition);
        perPartition.get(record.partition).onEvent(record, timestamp, multiplexer.getImmediateOutput(split));
        // The source's periodic step, here after every record.
        for (int p = 0; p < perPartition.size(); p++) {
            perPartition.get(p).onPeriodicEmit(multiplexer.getDeferredOutput(String.valueOf(p)));
        }
        multiplexer.onPeriodicEmit();
        // The operator ignores a watermark that does not advance; skipping it here only saves the call.
        if (combined > forwarded) {
            forwarded = combined;
            output.emitWatermark(new Watermark(combined));
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        // Everything is emitted on events; a timer would make the result depend on timing.
    }
}
