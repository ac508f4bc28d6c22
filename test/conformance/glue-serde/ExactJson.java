import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Exact JSON of a value Avro Java decoded, against its schema: longs as
 * decimal strings, floats and doubles as the hex of their IEEE bits, bytes
 * and fixed as hex, maps as [key, value] pairs in their order, unions as
 * {"branch": index, "value": v}, logical types as their underlying Avro
 * value. ASCII only: every other character is a \\u escape.
 */
final class ExactJson {
  private ExactJson() {}

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
