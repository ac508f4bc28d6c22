/**
 * The extreme values the glue-serde oracle's records take, one index a
 * record: the edges of each Avro type as Java holds it and of what a
 * JavaScript number or Date holds exactly.
 */
final class ValueExtremes {
  private ValueExtremes() {}

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
}
