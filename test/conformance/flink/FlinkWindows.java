import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.DynamicEventTimeSessionWindows;
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
 *
 * The job's parts are classes of their own beside this one: WorkloadRecord
 * (a record as the job sees it), PartitionWatermarks (the watermark),
 * FixedWindowsOfWorkload (the tumbling and sliding assigner), SumCount and
 * FiringLine (the window's aggregate and its output lines) and LineFileSink
 * (where the lines go). flink-reference.ts compiles every .java file here.
 */
public final class FlinkWindows {
    private FlinkWindows() {}

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
            List<WorkloadRecord> records = new ArrayList<>();
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
                    WorkloadRecord rec = new WorkloadRecord();
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

            OutputTag<WorkloadRecord> lateTag = new OutputTag<WorkloadRecord>("late-" + branch.getKey()) {};
            OutputTag<String> clearedTag = new OutputTag<String>("cleared-" + branch.getKey()) {};
            DataStream<WorkloadRecord> timed = env.fromData(records, TypeInformation.of(WorkloadRecord.class))
                .name("workloads " + branch.getKey())
                .assignTimestampsAndWatermarks(WatermarkStrategy.<WorkloadRecord>forGenerator((context) -> new PartitionWatermarks()).withTimestampAssigner((rec, previous) -> rec.eventTime));
            var keyed = timed.keyBy((WorkloadRecord rec) -> rec.workload + '\u0000' + rec.key);
            var windowed = switch (kind) {
                case "tumbling" -> keyed.window(new FixedWindowsOfWorkload(true));
                case "hopping" -> keyed.window(new FixedWindowsOfWorkload(false));
                case "session" -> keyed.window(DynamicEventTimeSessionWindows.<WorkloadRecord>withDynamicGap((rec) -> rec.gapMs));
                default -> throw new IllegalArgumentException("unknown window type " + kind);
            };
            SingleOutputStreamOperator<String> fired = windowed
                .allowedLateness(Duration.ofMillis(lateness))
                .sideOutputLateData(lateTag)
                .aggregate(new SumCount(), new FiringLine(new HashMap<>(shifts), clearedTag));
            outputs.add(fired);
            outputs.add(fired.getSideOutput(clearedTag));
            outputs.add(fired.getSideOutput(lateTag).map((WorkloadRecord rec) -> "L\t" + rec.workload + "\t" + rec.id).returns(String.class));
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
