import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * The Avro conformance suite's reference judge: Apache Avro Java, as the Glue
 * Schema Registry runs it. Reads one JSON line {id, reader, writer} (schema
 * texts) per pair on stdin and writes one JSON line per pair on stdout:
 * whether each schema parses with a default Schema.Parser (which validates
 * names and defaults) and why not, and, when both parse, the verdict of
 * SchemaCompatibility.checkReaderWriterCompatibility with its incompatibilities.
 * One JVM judges the whole corpus; nothing here knows the project's checker.
 */
public final class AvroJudge {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How deep a schema may nest is the JVM's stack size, not an Avro rule: a
   * 1 MB main-thread stack overflows in SchemaCompatibility on a chain of 900
   * records, so the judge runs on a thread with room for the corpus's deepest.
   */
  private static final long JUDGE_STACK_BYTES = 512L * 1024 * 1024;

  public static void main(String[] args) throws Throwable {
    Throwable[] failure = new Throwable[1];
    Thread judge = new Thread(null, () -> {
      try {
        judgeAll();
      } catch (Throwable error) {
        failure[0] = error;
      }
    }, "avro-judge", JUDGE_STACK_BYTES);
    judge.start();
    judge.join();
    if (failure[0] != null) throw failure[0];
  }

  private static void judgeAll() throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode pair = JSON.readTree(line);
      out.write(JSON.writeValueAsString(judge(pair)));
      out.newLine();
    }
    out.flush();
  }

  private static ObjectNode judge(JsonNode pair) {
    ObjectNode verdict = JSON.createObjectNode();
    verdict.put("id", pair.get("id").asText());
    Schema reader = parse(pair.get("reader").asText(), verdict.putObject("reader"));
    Schema writer = parse(pair.get("writer").asText(), verdict.putObject("writer"));
    if (reader == null || writer == null) return verdict;
    try {
      SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
      verdict.put("compatibility", result.getType().name());
      ArrayNode incompatibilities = verdict.putArray("incompatibilities");
      for (SchemaCompatibility.Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
        ObjectNode entry = incompatibilities.addObject();
        entry.put("type", incompatibility.getType().name());
        entry.put("location", incompatibility.getLocation());
        entry.put("message", incompatibility.getMessage());
      }
    } catch (Throwable error) {
      // The check itself can throw (a reader field matching two writer fields
      // by name and alias); Glue then refuses the version, so it is a verdict too.
      verdict.put("compatibility", "ERROR");
      verdict.put("error", describe(error));
    }
    return verdict;
  }

  /** A fresh parser per schema, as the registry parses each version on its own. */
  private static Schema parse(String text, ObjectNode validity) {
    try {
      Schema schema = new Schema.Parser().parse(text);
      validity.put("valid", true);
      return schema;
    } catch (Throwable error) {
      validity.put("valid", false);
      validity.put("error", describe(error));
      return null;
    }
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
