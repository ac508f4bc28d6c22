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
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * The oracle of the glue-serde conformance suite. For each writer schema it
 * builds seeded GenericRecords (extremes first, then random ones), has AWS's
 * own serializer (GlueSchemaRegistrySerializationFacade.serialize with a
 * fixed schema version UUID) frame each one uncompressed and zlib-compressed,
 * and decodes every frame's body again with Avro Java's GenericDatumReader on
 * the writer schema.
 *
 * Usage: java -cp <serde classpath> GlueFrames.java <seed> <random records per schema> <name>=<uuid>=<schema file>...
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
  /** The largest magnitude of epoch milliseconds a JavaScript Date holds. */
  static final long DATE_LIMIT_MS = 8_640_000_000_000_000L;
  static final long TWO_53 = 1L << 53;
  static final long TWO_52 = 1L << 52;

  static final long[] LONG_EXTREMES = {
    Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
    0L, 1L, -1L,
    TWO_53 - 1, -(TWO_53 - 1), TWO_53, -TWO_53, TWO_53 + 1, -(TWO_53 + 1),
    TWO_52 + 1, -(TWO_52 + 1), TWO_52, -TWO_52,
    DATE_LIMIT_MS, -DATE_LIMIT_MS, DATE_LIMIT_MS + 1, -(DATE_LIMIT_MS + 1),
    Integer.MAX_VALUE + 1L, Integer.MIN_VALUE - 1L, 1L << 62, -(1L << 62),
  };

  /** Every one goes into every timestamp-millis field of a record of its own, so a refused one takes no other case with it. */
  static final long[] TIMESTAMP_MILLIS_EXTREMES = {
    0L, -1L, 1L, 1_700_000_000_000L,
    DATE_LIMIT_MS, -DATE_LIMIT_MS, DATE_LIMIT_MS + 1, -(DATE_LIMIT_MS + 1),
    TWO_52 + 1, -(TWO_52 + 1), TWO_53 - 1, -(TWO_53 - 1), TWO_53 + 1, -(TWO_53 + 1),
    Long.MIN_VALUE, Long.MAX_VALUE,
  };

  static final int[] INT_EXTREMES = {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1, 1, Short.MIN_VALUE, 1 << 24, -(1 << 24) - 1};

  static final double[] DOUBLE_EXTREMES = {
    Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
    Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
    0.1, -1.0 / 3.0, 9007199254740993.0, Math.PI, 1e308, 5e-324 * 3,
  };

  static final float[] FLOAT_EXTREMES = {
    Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.0f, -0.0f,
    Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
    0.1f, -1.0f / 3.0f, 16777217.0f, (float) Math.E,
  };

  static final String[] STRING_EXTREMES = {
    "",
    "plain ascii",
    "\uD834\uDD1E clef, \uD83D\uDE00 grin, \uD83C\uDDE9\uD83C\uDDEA flag",
    "\u0000nul\u0001\u001f\u007f",
    "caf\u00e9 \u00fc\u00df \u4e2d\u6587 \u0639\u0631\u0628\u064a \u05e2\u05d1\u05e8\u05d9\u05ea",
    "\uFFFF\uFFFD\uFEFF edge of the BMP, then \uDBFF\uDFFF the last code point",
    "quote \" backslash \\ slash / tab \t newline \n",
    "x".repeat(300),
  };

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
        for (Case c : cases(schema, random, randomRecords)) {
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

  static void emit(Writer out, String name, UUID uuid, Schema schema, Case c, String compression, byte[] frame) throws IOException {
    Object decoded = decodeFrame(frame, schema);
    StringBuilder line = new StringBuilder();
    line.append("{\"schema\":");
    string(line, name);
    line.append(",\"uuid\":");
    string(line, uuid.toString());
    line.append(",\"case\":");
    string(line, c.label);
    line.append(",\"compression\":\"").append(compression).append("\",\"frame\":\"").append(hex(frame)).append('"');
    StringBuilder given = new StringBuilder();
    render(given, schema, c.record);
    StringBuilder read = new StringBuilder();
    render(read, schema, decoded);
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

  // ---- The records ----

  static final class Case {
    final String label;
    final GenericRecord record;

    Case(String label, GenericRecord record) {
      this.label = label;
      this.record = record;
    }
  }

  /**
   * How one record's values are chosen: the extreme of index `extreme` for
   * every type, or random ones; timestamp-millis fields all take
   * `timestampMillis` when set. Narrow records keep every long within
   * ±2^50, so a reader that gets wide longs wrong still shows what it makes
   * of every other type in them.
   */
  static final class Plan {
    final Random random;
    final int extreme;
    final Long timestampMillis;
    final boolean narrow;

    Plan(Random random, int extreme, Long timestampMillis, boolean narrow) {
      this.random = random;
      this.extreme = extreme;
      this.timestampMillis = timestampMillis;
      this.narrow = narrow;
    }

    boolean isExtreme() {
      return extreme >= 0;
    }
  }

  static List<Case> cases(Schema schema, Random random, int randomRecords) {
    List<Case> cases = new ArrayList<>();
    int extremes = Math.max(LONG_EXTREMES.length, Math.max(DOUBLE_EXTREMES.length, STRING_EXTREMES.length));
    for (int k = 0; k < extremes; k++) {
      cases.add(new Case("extremes #" + k + ": long " + LONG_EXTREMES[k % LONG_EXTREMES.length], (GenericRecord) value(schema, new Plan(random, k, null, false))));
    }
    for (long millis : TIMESTAMP_MILLIS_EXTREMES) {
      cases.add(new Case("timestamp-millis " + millis, (GenericRecord) value(schema, new Plan(random, -1, millis, false))));
    }
    for (int k = 0; k < randomRecords; k++) {
      boolean narrow = k % 2 == 1;
      cases.add(new Case("random #" + k + (narrow ? " (narrow longs)" : ""), (GenericRecord) value(schema, new Plan(random, -1, null, narrow))));
    }
    return cases;
  }

  static Object value(Schema schema, Plan plan) {
    LogicalType logical = schema.getLogicalType();
    Random random = plan.random;
    int k = plan.extreme;
    switch (schema.getType()) {
      case NULL:
        return null;
      case BOOLEAN:
        return plan.isExtreme() ? k % 2 == 0 : random.nextBoolean();
      case INT:
        if (logical instanceof LogicalTypes.Date) return plan.isExtreme() ? pick(INT_EXTREMES, k) : random.nextInt(200_000) - 100_000;
        if (logical instanceof LogicalTypes.TimeMillis) return plan.isExtreme() ? (k % 2 == 0 ? 0 : 86_399_999) : random.nextInt(86_400_000);
        return plan.isExtreme() ? pick(INT_EXTREMES, k) : randomInt(random);
      case LONG:
        if (logical instanceof LogicalTypes.TimestampMillis) return timestampMillis(plan);
        if (logical instanceof LogicalTypes.TimeMicros && !plan.isExtreme()) return (long) (random.nextDouble() * 86_400_000_000L);
        if (plan.narrow) return random.nextLong() >> 13;
        return plan.isExtreme() ? LONG_EXTREMES[k % LONG_EXTREMES.length] : randomLong(random);
      case FLOAT:
        return plan.isExtreme() ? FLOAT_EXTREMES[k % FLOAT_EXTREMES.length] : (random.nextInt(8) == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) (random.nextGaussian() * 1e3));
      case DOUBLE:
        return plan.isExtreme() ? DOUBLE_EXTREMES[k % DOUBLE_EXTREMES.length] : (random.nextInt(8) == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian() * 1e6);
      case STRING:
        if (logical != null && "uuid".equals(logical.getName())) return new UUID(random.nextLong(), random.nextLong()).toString();
        return plan.isExtreme() ? STRING_EXTREMES[k % STRING_EXTREMES.length] : randomString(random);
      case BYTES:
        if (logical instanceof LogicalTypes.Decimal) return ByteBuffer.wrap(unscaled((LogicalTypes.Decimal) logical, plan).toByteArray());
        return ByteBuffer.wrap(randomBytes(random, plan.isExtreme() ? new int[] {0, 1, 256}[k % 3] : random.nextInt(40)));
      case FIXED: {
        byte[] bytes = logical instanceof LogicalTypes.Decimal
            ? signExtended(unscaled((LogicalTypes.Decimal) logical, plan), schema.getFixedSize())
            : randomBytes(random, schema.getFixedSize());
        if (plan.isExtreme() && !(logical instanceof LogicalTypes.Decimal)) Arrays.fill(bytes, (byte) (k % 2 == 0 ? 0x00 : 0xff));
        return new GenericData.Fixed(schema, bytes);
      }
      case ENUM: {
        List<String> symbols = schema.getEnumSymbols();
        return new GenericData.EnumSymbol(schema, symbols.get(plan.isExtreme() ? k % symbols.size() : random.nextInt(symbols.size())));
      }
      case ARRAY: {
        int size = plan.isExtreme() ? k % 4 : random.nextInt(5);
        List<Object> items = new GenericData.Array<>(size, schema);
        for (int i = 0; i < size; i++) items.add(value(schema.getElementType(), plan));
        return items;
      }
      case MAP: {
        int size = plan.isExtreme() ? k % 4 : random.nextInt(4);
        Map<String, Object> entries = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) entries.put(mapKey(plan, i), value(schema.getValueType(), plan));
        return entries;
      }
      case UNION: {
        List<Schema> branches = schema.getTypes();
        // Extremes walk every branch in turn, so each branch meets the extremes too.
        Schema branch = branches.get(plan.isExtreme() ? k % branches.size() : random.nextInt(branches.size()));
        // Built on the branch's own schema (a GenericRecord, EnumSymbol or Fixed of it), so the serializer's
        // resolveUnion finds the very branch chosen by its full name, even between a.Thing and b.Thing.
        return value(branch, plan);
      }
      case RECORD: {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) record.put(field.pos(), value(field.schema(), plan));
        return record;
      }
      default:
        throw new IllegalArgumentException("no values for " + schema.getType());
    }
  }

  /** Every fifth extreme record has integer-like keys ("0", "1", ...), which a JavaScript object moves to the front. */
  static String mapKey(Plan plan, int i) {
    if (!plan.isExtreme()) return "key " + randomString(plan.random);
    if (plan.extreme % 5 == 4) return String.valueOf(plan.extreme - i);
    return STRING_EXTREMES[(plan.extreme + i) % STRING_EXTREMES.length] + "#" + i;
  }

  /** The plan's timestamp, else an extreme kept inside a Date's range (the out-of-range ones have records of their own), else a random one. */
  static long timestampMillis(Plan plan) {
    if (plan.timestampMillis != null) return plan.timestampMillis;
    if (plan.isExtreme()) {
      long extreme = LONG_EXTREMES[plan.extreme % LONG_EXTREMES.length];
      return Math.abs(extreme) <= DATE_LIMIT_MS && extreme != Long.MIN_VALUE ? extreme : Long.signum(extreme) * DATE_LIMIT_MS;
    }
    Random random = plan.random;
    if (plan.narrow) return random.nextLong() >> 13;
    return random.nextBoolean() ? 1_600_000_000_000L + (long) (random.nextDouble() * 200_000_000_000L) : (long) ((random.nextDouble() * 2 - 1) * DATE_LIMIT_MS);
  }

  /** An unscaled decimal with at most the precision's digits: the largest, the smallest, zero, or random. */
  static BigInteger unscaled(LogicalTypes.Decimal decimal, Plan plan) {
    BigInteger limit = BigInteger.TEN.pow(decimal.getPrecision()).subtract(BigInteger.ONE);
    if (plan.isExtreme()) {
      BigInteger[] extremes = {limit, limit.negate(), BigInteger.ZERO, BigInteger.ONE.negate(), BigInteger.ONE, BigInteger.valueOf(Long.MIN_VALUE).max(limit.negate())};
      return extremes[plan.extreme % extremes.length];
    }
    int digits = 1 + plan.random.nextInt(decimal.getPrecision());
    BigInteger magnitude = new BigInteger(digits * 4, plan.random).mod(BigInteger.TEN.pow(digits));
    return plan.random.nextBoolean() ? magnitude : magnitude.negate();
  }

  static byte[] signExtended(BigInteger value, int size) {
    byte[] minimal = value.toByteArray();
    byte[] out = new byte[size];
    Arrays.fill(out, (byte) (value.signum() < 0 ? 0xff : 0x00));
    System.arraycopy(minimal, 0, out, size - minimal.length, minimal.length);
    return out;
  }

  static int pick(int[] values, int k) {
    return values[k % values.length];
  }

  static int randomInt(Random random) {
    switch (random.nextInt(3)) {
      case 0: return random.nextInt(1000) - 500;
      case 1: return random.nextInt(1 << 20);
      default: return random.nextInt();
    }
  }

  /** Small ones, ones around a double's exact range, and any. */
  static long randomLong(Random random) {
    switch (random.nextInt(4)) {
      case 0: return random.nextInt(100_000) - 50_000L;
      case 1: return (random.nextBoolean() ? 1 : -1) * (TWO_53 + random.nextInt(64) - 32);
      case 2: return (random.nextBoolean() ? 1 : -1) * (TWO_52 + random.nextInt(64) - 32);
      default: return random.nextLong();
    }
  }

  static String randomString(Random random) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(12);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(4)) {
        case 0: text.appendCodePoint(0x1F300 + random.nextInt(0x300)); break; // outside the BMP
        case 1: text.appendCodePoint(0xA0 + random.nextInt(0x2000)); break;
        default: text.append((char) ('a' + random.nextInt(26)));
      }
    }
    return text.toString();
  }

  static byte[] randomBytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  // ---- Exact JSON of a decoded value ----

  static void render(StringBuilder out, Schema schema, Object value) {
    switch (schema.getType()) {
      case NULL:
        if (value != null) throw new IllegalStateException("null expected, got " + value);
        out.append("null");
        return;
      case BOOLEAN:
        out.append((boolean) (Boolean) value);
        return;
      case INT:
        out.append((int) (Integer) value);
        return;
      case LONG:
        out.append('"').append((long) (Long) value).append('"');
        return;
      case FLOAT:
        out.append('"').append(String.format("%08x", Float.floatToRawIntBits((Float) value))).append('"');
        return;
      case DOUBLE:
        out.append('"').append(String.format("%016x", Double.doubleToRawLongBits((Double) value))).append('"');
        return;
      case STRING:
      case ENUM:
        string(out, value.toString());
        return;
      case BYTES: {
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        out.append('"').append(hex(bytes)).append('"');
        return;
      }
      case FIXED:
        out.append('"').append(hex(((GenericFixed) value).bytes())).append('"');
        return;
      case ARRAY: {
        out.append('[');
        boolean first = true;
        for (Object item : (List<?>) value) {
          if (!first) out.append(',');
          first = false;
          render(out, schema.getElementType(), item);
        }
        out.append(']');
        return;
      }
      case MAP: {
        out.append('[');
        boolean first = true;
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
          if (!first) out.append(',');
          first = false;
          out.append('[');
          string(out, entry.getKey().toString());
          out.append(',');
          render(out, schema.getValueType(), entry.getValue());
          out.append(']');
        }
        out.append(']');
        return;
      }
      case UNION: {
        int branch = GenericData.get().resolveUnion(schema, value);
        out.append("{\"branch\":").append(branch).append(",\"value\":");
        render(out, schema.getTypes().get(branch), value);
        out.append('}');
        return;
      }
      case RECORD: {
        GenericRecord record = (GenericRecord) value;
        out.append('{');
        boolean first = true;
        for (Schema.Field field : schema.getFields()) {
          if (!first) out.append(',');
          first = false;
          string(out, field.name());
          out.append(':');
          render(out, field.schema(), record.get(field.pos()));
        }
        out.append('}');
        return;
      }
      default:
        throw new IllegalArgumentException("cannot render " + schema.getType());
    }
  }

  static void string(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c >= 0x20 && c < 0x7f) out.append(c);
      else out.append(String.format("\\u%04x", (int) c));
    }
    out.append('"');
  }

  static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    return out.toString();
  }
}
