import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The records the glue-serde oracle has AWS's serializer frame, for one
 * writer schema: one per extreme index (every type at its extreme of that
 * index), one per timestamp-millis extreme, then seeded random ones.
 */
final class SeededRecords {
  private SeededRecords() {}

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
    int extremes = Math.max(ValueExtremes.LONG_EXTREMES.length, Math.max(ValueExtremes.DOUBLE_EXTREMES.length, ValueExtremes.STRING_EXTREMES.length));
    for (int k = 0; k < extremes; k++) {
      cases.add(new Case("extremes #" + k + ": long " + ValueExtremes.LONG_EXTREMES[k % ValueExtremes.LONG_EXTREMES.length], (GenericRecord) value(schema, new Plan(random, k, null, false))));
    }
    for (long millis : ValueExtremes.TIMESTAMP_MILLIS_EXTREMES) {
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
        if (logical instanceof LogicalTypes.Date) return plan.isExtreme() ? pick(ValueExtremes.INT_EXTREMES, k) : random.nextInt(200_000) - 100_000;
        if (logical instanceof LogicalTypes.TimeMillis) return plan.isExtreme() ? (k % 2 == 0 ? 0 : 86_399_999) : random.nextInt(86_400_000);
        return plan.isExtreme() ? pick(ValueExtremes.INT_EXTREMES, k) : randomInt(random);
      case LONG:
        if (logical instanceof LogicalTypes.TimestampMillis) return timestampMillis(plan);
        if (logical instanceof LogicalTypes.TimeMicros && !plan.isExtreme()) return (long) (random.nextDouble() * 86_400_000_000L);
        if (plan.narrow) return random.nextLong() >> 13;
        return plan.isExtreme() ? ValueExtremes.LONG_EXTREMES[k % ValueExtremes.LONG_EXTREMES.length] : randomLong(random);
      case FLOAT:
        return plan.isExtreme() ? ValueExtremes.FLOAT_EXTREMES[k % ValueExtremes.FLOAT_EXTREMES.length] : (random.nextInt(8) == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) (random.nextGaussian() * 1e3));
      case DOUBLE:
        return plan.isExtreme() ? ValueExtremes.DOUBLE_EXTREMES[k % ValueExtremes.DOUBLE_EXTREMES.length] : (random.nextInt(8) == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian() * 1e6);
      case STRING:
        if (logical != null && "uuid".equals(logical.getName())) return new UUID(random.nextLong(), random.nextLong()).toString();
        return plan.isExtreme() ? ValueExtremes.STRING_EXTREMES[k % ValueExtremes.STRING_EXTREMES.length] : randomString(random);
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
    return ValueExtremes.STRING_EXTREMES[(plan.extreme + i) % ValueExtremes.STRING_EXTREMES.length] + "#" + i;
  }

  /** The plan's timestamp, else an extreme kept inside a Date's range (the out-of-range ones have records of their own), else a random one. */
  static long timestampMillis(Plan plan) {
    if (plan.timestampMillis != null) return plan.timestampMillis;
    if (plan.isExtreme()) {
      long extreme = ValueExtremes.LONG_EXTREMES[plan.extreme % ValueExtremes.LONG_EXTREMES.length];
      return Math.abs(extreme) <= ValueExtremes.DATE_LIMIT_MS && extreme != Long.MIN_VALUE ? extreme : Long.signum(extreme) * ValueExtremes.DATE_LIMIT_MS;
    }
    Random random = plan.random;
    if (plan.narrow) return random.nextLong() >> 13;
    return random.nextBoolean() ? 1_600_000_000_000L + (long) (random.nextDouble() * 200_000_000_000L) : (long) ((random.nextDouble() * 2 - 1) * ValueExtremes.DATE_LIMIT_MS);
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
      case 1: return (random.nextBoolean() ? 1 : -1) * (ValueExtremes.TWO_53 + random.nextInt(64) - 32);
      case 2: return (random.nextBoolean() ? 1 : -1) * (ValueExtremes.TWO_52 + random.nextInt(64) - 32);
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
}
