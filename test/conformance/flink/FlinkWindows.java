import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.DynamicEventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The reference side of the Flink window conformance suite: reads workloads
 * (JSON) and runs each through Flink's own event-time window operator on one
 * local MiniCluster, then writes (JSON), per workload, the final windows
 * (each window's last firing, for the windows Flink finally cleared, so not a
 * session that later merged into another) and the ids of the records Flink
 * side-output as late.
 *
 * Usage: java -cp <flink jars>:<classes> FlinkWindows workloads.json results.json
 *
 * One job runs every workload, so the MiniCluster starts once: workloads that
 * share a window kind and an allowed lateness (an operator-wide setting) go
 * through one branch of the job, one after another, each moved in event time
 * past the previous one's last window (with its lateness) by a multiple of
 * every window size and slide, so windows fall on the same boundaries. Each
 * workload's partitions start from nothing; the operator's watermark is then
 * the previous workload's last one until theirs passes it, which no window
 * of the new workload ends before, so no record of it is judged by another
 * workload's watermark. Keys carry the workload id.
 *
 * The watermark is Flink's Kafka source with per-partition watermarks, made
 * deterministic: one BoundedOutOfOrdernessWatermarks per partition (so
 * maxEventTime - outOfOrderness - 1), combined by Flink's own
 * WatermarkOutputMultiplexer as the minimum over the workload's partitions,
 * every declared partition registered up front as a Kafka source registers
 * each assigned split (one that has sent nothing holds the minimum back), and
 * the source's periodic emission run after every record instead of on a
 * timer, so nothing depends on wall-clock time.
 */
public final class FlinkWindows {
    private FlinkWindows() {}

    /** One record of one workload, as the job sees it: a Flink POJO, so public fields and a no-argument constructor. */
    public static final class Rec {
        public String workload;
        public String id;
        public int partition;
        public int partitions;
        public String key;
        /** Event time moved by {@link #shift}. */
        public long eventTime;
        public long shift;
        public long value;
        public long sizeMs;
        public long slideMs;
        public long gapMs;
        public long outOfOrdernessMs;

        public Rec() {}
    }

    /** Per-partition bounded out-of-orderness, combined as the minimum over the partitions, after every record. */
    static final class PartitionWatermarks implements WatermarkGenerator<Rec> {
        private String workload;
        private WatermarkOutputMultiplexer multiplexer;
        private List<BoundedOutOfOrdernessWatermarks<Rec>> perPartition;
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
        public void onEvent(Rec record, long timestamp, WatermarkOutput output) {
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

    /** Flink's tumbling or sliding assigner for the workload's own size and slide; the operator settings stay per branch. */
    static final class FixedWindowsOfWorkload extends WindowAssigner<Object, TimeWindow> {
        private final boolean tumbling;
        private transient Map<Long, WindowAssigner<Object, TimeWindow>> assigners;

        FixedWindowsOfWorkload(boolean tumbling) {
            this.tumbling = tumbling;
        }

        @Override
        public Collection<TimeWindow> assignWindows(Object record, long timestamp, WindowAssignerContext context) {
            Rec element = (Rec) record;
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

    /** Sum and count of the values. */
    static final class SumCount implements AggregateFunction<Rec, Tuple2<Long, Long>, Tuple2<Long, Long>> {
        @Override
        public Tuple2<Long, Long> createAccumulator() {
            return Tuple2.of(0L, 0L);
        }

        @Override
        public Tuple2<Long, Long> add(Rec value, Tuple2<Long, Long> acc) {
            return Tuple2.of(acc.f0 + value.value, acc.f1 + 1);
        }

        @Override
        public Tuple2<Long, Long> getResult(Tuple2<Long, Long> acc) {
            return acc;
        }

        @Override
        public Tuple2<Long, Long> merge(Tuple2<Long, Long> a, Tuple2<Long, Long> b) {
            return Tuple2.of(a.f0 + b.f0, a.f1 + b.f1);
        }
    }

    /**
     * One line per firing: W, workload, key, start, end, sum, count; and one per window whose state Flink
     * clears (its cleanup time, end - 1 + allowed lateness, reached): C, workload, key, start, end. A session
     * merged into a later one is never cleared under its own bounds, so the cleared windows are exactly the
     * final ones, each with its last firing. Start and end are moved back to the workload's own time.
     */
    static final class FiringLine extends ProcessWindowFunction<Tuple2<Long, Long>, String, String, TimeWindow> {
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

    /**
     * Writes the job's lines to a file, one writer at parallelism 1, so that lines keep the order each window
     * operator emitted them in. A file rather than executeAndCollect: the collect client polls a MiniCluster
     * that shuts down when the job ends, which it reports as possibly lost data; a file is complete once
     * execute() returns.
     */
    static final class LineFileSink implements Sink<String> {
        private final String path;

        LineFileSink(String path) {
            this.path = path;
        }

        @Override
        public SinkWriter<String> createWriter(WriterInitContext context) throws IOException {
            BufferedWriter file = Files.newBufferedWriter(Path.of(path), StandardCharsets.UTF_8);
            return new SinkWriter<>() {
                @Override
                public void write(String line, Context lineContext) throws IOException {
                    file.write(line);
                    file.newLine();
                }

                @Override
                public void flush(boolean endOfInput) throws IOException {
                    file.flush();
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode input = json.readTree(Files.readString(Path.of(args[0])));

        // Branches: one per window kind and allowed lateness, each a list of workloads in input order.
        Map<String, List<JsonNode>> branches = new TreeMap<>();
        for (JsonNode workload : input.get("workloads")) {
            String kind = workload.get("window").get("type").asText();
            branches.computeIfAbsent(kind + "/" + workload.get("allowedLatenessMs").asLong(), (ignored) -> new ArrayList<>()).add(workload);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        List<DataStream<String>> outputs = new ArrayList<>();
        Map<String, Long> shifts = new HashMap<>();
        for (Map.Entry<String, List<JsonNode>> branch : branches.entrySet()) {
            String kind = branch.getKey().substring(0, branch.getKey().indexOf('/'));
            long lateness = Long.parseLong(branch.getKey().substring(branch.getKey().indexOf('/') + 1));
            // Every shift is a multiple of every size and slide in the branch, so windows keep their boundaries.
            long unit = 1;
            for (JsonNode workload : branch.getValue()) {
                JsonNode window = workload.get("window");
                for (String field : new String[] {"sizeMs", "slideMs"}) {
                    if (window.has(field)) unit = unit / gcd(unit, window.get(field).asLong()) * window.get(field).asLong();
                }
            }
            List<Rec> records = new ArrayList<>();
            long nextShift = unit;
            for (JsonNode workload : branch.getValue()) {
                JsonNode window = workload.get("window");
                String id = workload.get("id").asText();
                long outOfOrderness = workload.get("outOfOrdernessMs").asLong();
                long longest = window.has("gapMs") ? window.get("gapMs").asLong() : window.get("sizeMs").asLong();
                long newest = 0;
                long shift = nextShift;
                shifts.put(id, shift);
                for (JsonNode r : workload.get("records")) {
                    long eventTime = r.get("eventTime").asLong();
                    if (eventTime < 0) throw new IllegalArgumentException("workload " + id + ": event times must be >= 0, got " + eventTime);
                    newest = Math.max(newest, eventTime);
                    Rec rec = new Rec();
                    rec.workload = id;
                    rec.id = r.get("id").asText();
                    rec.partition = r.get("partition").asInt();
                    rec.partitions = workload.get("partitions").asInt();
                    rec.key = r.get("key").asText();
                    rec.eventTime = eventTime + shift;
                    rec.shift = shift;
                    rec.value = r.get("value").asLong();
                    rec.sizeMs = window.has("sizeMs") ? window.get("sizeMs").asLong() : 0;
                    rec.slideMs = window.has("slideMs") ? window.get("slideMs").asLong() : rec.sizeMs;
                    rec.gapMs = window.has("gapMs") ? window.get("gapMs").asLong() : 0;
                    rec.outOfOrdernessMs = outOfOrderness;
                    records.add(rec);
                }
                // Past every window of this workload, with its lateness, so the next one starts on a clean slate.
                long extent = newest + longest + lateness + outOfOrderness + 2;
                nextShift = shift + ((extent + unit - 1) / unit + 1) * unit;
            }
            if (records.isEmpty()) continue;

            OutputTag<Rec> lateTag = new OutputTag<Rec>("late-" + branch.getKey()) {};
            OutputTag<String> clearedTag = new OutputTag<String>("cleared-" + branch.getKey()) {};
            DataStream<Rec> timed = env.fromData(records, TypeInformation.of(Rec.class))
                .name("workloads " + branch.getKey())
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Rec>forGenerator((context) -> new PartitionWatermarks()).withTimestampAssigner((rec, previous) -> rec.eventTime));
            var keyed = timed.keyBy((Rec rec) -> rec.workload + '\u0000' + rec.key);
            var windowed = switch (kind) {
                case "tumbling" -> keyed.window(new FixedWindowsOfWorkload(true));
                case "hopping" -> keyed.window(new FixedWindowsOfWorkload(false));
                case "session" -> keyed.window(DynamicEventTimeSessionWindows.<Rec>withDynamicGap((rec) -> rec.gapMs));
                default -> throw new IllegalArgumentException("unknown window type " + kind);
            };
            SingleOutputStreamOperator<String> fired = windowed
                .allowedLateness(Duration.ofMillis(lateness))
                .sideOutputLateData(lateTag)
                .aggregate(new SumCount(), new FiringLine(new HashMap<>(shifts), clearedTag));
            outputs.add(fired);
            outputs.add(fired.getSideOutput(clearedTag));
            outputs.add(fired.getSideOutput(lateTag).map((Rec rec) -> "L\t" + rec.workload + "\t" + rec.id).returns(String.class));
        }

        // Per workload: the last firing of each window (allowed lateness fires a window again), which windows
        // were cleared (the final ones), and the late ids.
        Map<String, Map<String, String[]>> lastFiring = new HashMap<>();
        Map<String, List<String>> cleared = new HashMap<>();
        Map<String, List<String>> late = new HashMap<>();
        DataStream<String> all = outputs.get(0);
        for (DataStream<String> more : outputs.subList(1, outputs.size())) all = all.union(more);
        Path linesFile = Path.of(args[1] + ".lines");
        all.sinkTo(new LineFileSink(linesFile.toString())).name("lines").setParallelism(1);
        env.execute("flink window conformance");
        for (String line : Files.readAllLines(linesFile, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "W" -> lastFiring.computeIfAbsent(f[1], (ignored) -> new HashMap<>()).put(f[2] + '\u0000' + f[3] + '\u0000' + f[4], f);
                case "C" -> cleared.computeIfAbsent(f[1], (ignored) -> new ArrayList<>()).add(f[2] + '\u0000' + f[3] + '\u0000' + f[4]);
                default -> late.computeIfAbsent(f[1], (ignored) -> new ArrayList<>()).add(f[2]);
            }
        }
        Files.delete(linesFile);

        ObjectNode out = json.createObjectNode();
        out.put("flinkVersion", EnvironmentInformation.getVersion());
        ObjectNode results = out.putObject("workloads");
        for (JsonNode workload : input.get("workloads")) {
            String id = workload.get("id").asText();
            ObjectNode result = results.putObject(id);
            ArrayNode windows = result.putArray("windows");
            Map<String, String[]> fired = lastFiring.getOrDefault(id, Map.of());
            for (String window : cleared.getOrDefault(id, List.of())) {
                String[] f = fired.get(window);
                if (f == null) throw new IllegalStateException("workload " + id + ": window " + window + " was cleared without firing");
                ArrayNode w = windows.addArray();
                w.add(f[2]).add(Long.parseLong(f[3])).add(Long.parseLong(f[4])).add(Long.parseLong(f[5])).add(Long.parseLong(f[6]));
            }
            ArrayNode lateIds = result.putArray("late");
            for (String lateId : late.getOrDefault(id, List.of())) lateIds.add(lateId);
        }
        try (Writer writer = Files.newBufferedWriter(Path.of(args[1]), StandardCharsets.UTF_8)) {
            json.writeValue(writer, out);
        } catch (IOException e) {
            throw new IOException("cannot write " + args[1], e);
        }
    }
}
