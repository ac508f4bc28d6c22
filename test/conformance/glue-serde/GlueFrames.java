import com.amazonaws.services.schemaregistry.common.SchemaByDefinitionFetcher;
import com.amazonaws.services.schemaregistry.common.configs.GlueSchemaRegistryConfiguration;
import com.amazonaws.services.schemaregistry.serializers.GlueSchemaRegistrySerializationFacade;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.amazonaws.services.schemaregistry.utils.AvroRecordType;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * The oracle of the glue-serde conformance suite. For each writer schema it
 * builds seeded GenericRecords (extremes first, then random ones), has AWS's
 * own serializer (GlueSchemaRegistrySerializationFacade.serialize with a
 * fixed schema version UUID) frame each one uncompressed and zlib-compressed,
 * and decodes every frame's body again with Avro Java's GenericDatumReader on
 * the writer schema. The records are SeededRecords' (their extremes are
 * ValueExtremes'), the rendering ExactJson's.
 *
 * Usage: java -cp <classes>:<serde classpath> GlueFrames <seed> <random records per schema> <name>=<uuid>=<schema file>...
 * (glue-frames.ts compiles the .java files of this folder into <classes>).
 *
 * Prints one JSON line per frame:
 *   {"schema":name,"uuid":uuid,"case":label,"compression":"NONE"|"ZLIB","frame":hex,"roundTrips":bool,"avro":value}
 * where value is Avro Java's decoding rendered exactly against the schema:
 * longs as decimal strings, floats and doubles as the hex of their IEEE bits,
 * bytes and fixed as hex, maps as [key, value] pairs in wire order, unions as
 * {"branch": index, "value": v}, logical types as their underlying Avro value.
 * Output is ASCII only (every other character is a \\u escape).
 */
public final class GlueFrames {
  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    int randomRecords = Integer.parseInt(args[1]);
    GlueSchemaRegistrySerializationFacade uncompressed = facade(AWSSchemaRegistryConstants.COMPRESSION.NONE);
    GlueSchemaRegistrySerializationFacade zlib = facade(AWSSchemaRegistryConstants.COMPRESSION.ZLIB);
    try (Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16)) {
      for (int i = 2; i < args.length; i++) {
        String[] spec = args[i].split("=", 3);
        String name = spec[0];
        UUID uuid = UUID.fromString(spec[1]);
        Schema schema = new Schema.Parser().parse(new File(spec[2]));
        Random random = new Random(seed * 31 + name.hashCode());
        for (SeededRecords.Case c : SeededRecords.cases(schema, random, randomRecords)) {
          emit(out, name, uuid, schema, c, "NONE", uncompressed.serialize(DataFormat.AVRO, c.record, uuid));
          emit(out, name, uuid, schema, c, "ZLIB", zlib.serialize(DataFormat.AVRO, c.record, uuid));
        }
      }
    }
  }

  /**
   * AWS's serialization facade with nothing that could reach AWS: a schema
   * fetcher without a client (serialize(DataFormat, Object, UUID) takes the
   * schema version id as given and never looks one up), and a credentials
   * provider that fails if anything ever asks it for credentials.
   */
  static GlueSchemaRegistrySerializationFacade facade(AWSSchemaRegistryConstants.COMPRESSION compression) {
    Map<String, Object> configs = new HashMap<>();
    // Required by the configuration; no client is ever built to use it.
    configs.put(AWSSchemaRegistryConstants.AWS_REGION, "us-east-1");
    configs.put(AWSSchemaRegistryConstants.COMPRESSION_TYPE, compression.name());
    configs.put(AWSSchemaRegistryConstants.AVRO_RECORD_TYPE, AvroRecordType.GENERIC_RECORD.getName());
    GlueSchemaRegistryConfiguration config = new GlueSchemaRegistryConfiguration(configs);
    AwsCredentialsProvider noCredentials = () -> {
      throw new IllegalStateException("the conformance oracle must not call AWS");
    };
    return new GlueSchemaRegistrySerializationFacade(noCredentials, new SchemaByDefinitionFetcher(null, config), config, null, null);
  }

  static void emit(Writer out, String name, UUID uuid, Schema schema, SeededRecords.Case c, String compression, byte[] frame) throws IOException {
    Object decoded = decodeFrame(frame, schema);
    StringBuilder line = new StringBuilder();
    line.append("{\"schema\":");
    ExactJson.string(line, name);
    line.append(",\"uuid\":");
    ExactJson.string(line, uuid.toString());
    line.append(",\"case\":");
    ExactJson.string(line, c.label);
    line.append(",\"compression\":\"").append(compression).append("\",\"frame\":\"").append(ExactJson.hex(frame)).append('"');
    StringBuilder given = new StringBuilder();
    ExactJson.render(given, schema, c.record);
    StringBuilder read = new StringBuilder();
    ExactJson.render(read, schema, decoded);
    // Whether Avro Java reads back exactly the record AWS's serializer was given: a check on the oracle itself.
    line.append(",\"roundTrips\":").append(given.toString().equals(read.toString()));
    line.append(",\"avro\":").append(read);
    line.append("}\n");
    out.write(line.toString());
  }

  /** Avro Java's reading of a Glue frame: header off, zlib inflated when the compression byte says so, then GenericDatumReader on the writer schema. */
  static Object decodeFrame(byte[] frame, Schema schema) throws IOException {
    if (frame[0] != 3) throw new IllegalStateException("Glue header version " + frame[0]);
    byte[] body = Arrays.copyOfRange(frame, 18, frame.length);
    if (frame[1] == 5) body = inflate(body);
    else if (frame[1] != 0) throw new IllegalStateException("Glue compression byte " + frame[1]);
    GenericDatumReader<Object> reader = new GenericDatumReader<>(schema) {
      // Maps keep wire order, so the rendering shows entries in the order AWS wrote them.
      @Override
      protected Object newMap(Object old, int size) {
        return new LinkedHashMap<>(size);
      }
    };
    var decoder = DecoderFactory.get().binaryDecoder(body, null);
    Object value = reader.read(null, decoder);
    if (!decoder.isEnd()) throw new IllegalStateException("bytes left after the record");
    return value;
  }

  static byte[] inflate(byte[] deflated) {
    Inflater inflater = new Inflater();
    inflater.setInput(deflated);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) throw new IllegalStateException("truncated zlib body");
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException(e);
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }
}
