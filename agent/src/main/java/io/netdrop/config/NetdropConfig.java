package io.netdrop.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * netdrop's resolved, validated settings.
 *
 * <p>Each setting in {@link #SETTINGS} is resolved from the first of these that gives it a
 * non-blank value: the agent arguments ({@code -javaagent:netdrop-agent.jar=key=value,key2=value2}),
 * the system property {@code netdrop.<name>}, the environment variable {@link
 * Setting#environmentVariable()}, and finally its default. Every value is checked when the config
 * is created, so a bad value fails start-up with a {@link ConfigException} instead of surfacing
 * later. Instances are immutable.
 */
public final class NetdropConfig {
  /** Default: {@code true}. */
  public static final Setting ENABLED =
      new Setting("enabled", "true", "Whether netdrop starts at all; false leaves the application untouched.");
  /** Default: {@code true}. */
  public static final Setting LOG_DROPS =
      new Setting("log-drops", "true", "Whether drops on the JVM's sockets are written to stderr.");
  /** Default: {@code 1000}. */
  public static final Setting SCAN_INTERVAL_MS =
      new Setting(
          "scan-interval-ms",
          "1000",
          "How often, in milliseconds, /proc is rescanned for sockets the instrumentation did not see (e.g. opened before a dynamic attach).");
  /** Default: {@code 2000}. */
  public static final Setting EVENTS_PER_SECOND =
      new Setting(
          "events-per-second",
          "2000",
          "Drop events per second, per CPU, that the kernel program reports individually before it only counts them; 0 is unlimited.");
  /** Default: {@code 200}. */
  public static final Setting EVENT_BURST =
      new Setting("event-burst", "200", "Drop events per CPU allowed in a burst above events-per-second.");
  /** Default: {@code 262144}. */
  public static final Setting RING_BUFFER_BYTES =
      new Setting(
          "ring-buffer-bytes",
          "262144",
          "Size of the BPF ring buffer in bytes; a power of two and a multiple of 4096.");
  /** Default: {@code 4096}. */
  public static final Setting WAKEUP_BYTES =
      new Setting(
          "wakeup-bytes",
          "4096",
          "Unread bytes in the ring buffer at which the kernel wakes the reader; at most ring-buffer-bytes.");
  /** Default: {@code auto}. */
  public static final Setting ATTACH =
      new Setting(
          "attach",
          "auto",
          "How to attach to skb:kfree_skb: auto, tp_btf (needs kernel BTF) or tracepoint (needs tracefs).");
  /** Default: {@code /sys/kernel/btf/vmlinux}. */
  public static final Setting BTF_PATH =
      new Setting(
          "btf-path",
          "/sys/kernel/btf/vmlinux",
          "The running kernel's BTF; point it at a BTF file for a kernel built without CONFIG_DEBUG_INFO_BTF.");
  /** Default: {@code 1000}. */
  public static final Setting CREATORS_PER_SECOND =
      new Setting(
          "creators-per-second",
          "1000",
          "How many sockets a second, at most, get their creating application class read from the stack (the `by <class>` of drop lines); sockets opened beyond it have none, and 0 reads none. A read costs 1.5–5 µs, which would dominate what the agent adds to opening a socket under heavy churn.");
  /** Default: {@code true}. */
  public static final Setting TRACES =
      new Setting(
          "traces",
          "true",
          "Whether drops are written into traces: a span event on the span that used the connection, or a child span if it has ended.");
  /** Default: {@code true}. */
  public static final Setting METRICS =
      new Setting("metrics", "true", "Whether the exact kernel drop counts and netdrop's health are exported as OpenTelemetry metrics.");
  /** Default: {@code true}. */
  public static final Setting LOGS =
      new Setting("logs", "true", "Whether drops outside any span are exported as OpenTelemetry log records.");
  /** Default: {@code true}. */
  public static final Setting JFR =
      new Setting("jfr", "true", "Whether each reported drop is a JFR event (io.netdrop.Drop) when a flight recording runs.");
  /** Default: {@code 1000}. */
  public static final Setting FOLD_MS =
      new Setting(
          "fold-ms",
          "1000",
          "Drops on one connection, reason and span that follow a reported one within this many milliseconds are reported together, with a count; 0 reports each.");
  /** Default: {@code 5000}. */
  public static final Setting CHILD_SPAN_WINDOW_MS =
      new Setting(
          "child-span-window-ms",
          "5000",
          "How long after a span last used the connection a drop still becomes a child span of it once it has ended; later drops become log records.");
  /** Default: empty. */
  public static final Setting REDACT =
      new Setting(
          "redact",
          "",
          "Comma-separated attribute keys never exported (e.g. network.peer.address,netdrop.connection.creator).");
  /** Default: {@code false}. */
  public static final Setting DEBUG =
      new Setting("debug", "false", "Whether netdrop writes diagnostic detail to stderr.");

  /** Every setting, in documentation order. */
  public static final List<Setting> SETTINGS =
      List.of(
          ENABLED,
          LOG_DROPS,
          SCAN_INTERVAL_MS,
          EVENTS_PER_SECOND,
          EVENT_BURST,
          RING_BUFFER_BYTES,
          WAKEUP_BYTES,
          ATTACH,
          BTF_PATH,
          CREATORS_PER_SECOND,
          TRACES,
          METRICS,
          LOGS,
          JFR,
          FOLD_MS,
          CHILD_SPAN_WINDOW_MS,
          REDACT,
          DEBUG);

  static final long MAX_SCAN_INTERVAL_MS = 3_600_000;
  static final int PAGE_SIZE = 4096;
  static final int MAX_RING_BUFFER_BYTES = 1 << 30;

  /** Where a setting's value came from. */
  public enum Source {
    AGENT_ARGS,
    SYSTEM_PROPERTY,
    ENVIRONMENT,
    DEFAULT
  }

  private final Map<Setting, Value> values;
  private final boolean enabled;
  private final boolean logDrops;
  private final Duration scanInterval;
  private final int eventsPerSecond;
  private final int eventBurst;
  private final int ringBufferBytes;
  private final int wakeupBytes;
  private final AttachMode attach;
  private final boolean debug;
  private final int creatorsPerSecond;
  private final java.nio.file.Path btfPath;
  private final boolean traces;
  private final boolean metrics;
  private final boolean logs;
  private final boolean jfr;
  private final long foldMillis;
  private final long childSpanWindowMillis;
  private final java.util.Set<String> redact;

  private NetdropConfig(Map<Setting, Value> values) {
    this.values = values;
    this.enabled = bool(ENABLED);
    this.logDrops = bool(LOG_DROPS);
    this.scanInterval =
        Duration.ofMillis(wholeNumber(SCAN_INTERVAL_MS, 1, MAX_SCAN_INTERVAL_MS, "milliseconds"));
    this.eventsPerSecond =
        (int) wholeNumber(EVENTS_PER_SECOND, 0, Integer.MAX_VALUE, "events per second");
    this.eventBurst = (int) wholeNumber(EVENT_BURST, 1, Integer.MAX_VALUE, "events");
    this.ringBufferBytes = ringBufferSize();
    this.wakeupBytes = (int) wholeNumber(WAKEUP_BYTES, 1, MAX_RING_BUFFER_BYTES, "bytes");
    if (wakeupBytes > ringBufferBytes) {
      throw invalid(
          WAKEUP_BYTES,
          "is larger than " + RING_BUFFER_BYTES.systemProperty() + " (" + ringBufferBytes + ")");
    }
    this.attach = attachMode();
    this.debug = bool(DEBUG);
    this.creatorsPerSecond =
        (int) wholeNumber(CREATORS_PER_SECOND, 0, 1_000_000, "sockets per second");
    this.btfPath = path(BTF_PATH);
    this.traces = bool(TRACES);
    this.metrics = bool(METRICS);
    this.logs = bool(LOGS);
    this.jfr = bool(JFR);
    this.foldMillis = wholeNumber(FOLD_MS, 0, 3_600_000, "milliseconds");
    this.childSpanWindowMillis = wholeNumber(CHILD_SPAN_WINDOW_MS, 0, 3_600_000, "milliseconds");
    this.redact = redactKeys();
  }

  private java.util.Set<String> redactKeys() {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    for (String k : rawValue(REDACT).split(",")) {
      String key = k.strip();
      if (key.isEmpty()) {
        continue;
      }
      if (!key.matches("[a-z0-9_.]+")) {
        throw invalid(REDACT, "holds '" + key + "', not an attribute key (lower case, digits, '_' and '.')");
      }
      keys.add(key);
    }
    return java.util.Collections.unmodifiableSet(keys);
  }

  private java.nio.file.Path path(Setting s) {
    try {
      return java.nio.file.Path.of(rawValue(s));
    } catch (java.nio.file.InvalidPathException e) {
      throw invalid(s, "is not a file path (" + e.getReason() + ")");
    }
  }

  /**
   * Resolves the settings of this JVM from {@code agentArgs} (may be null), the system properties
   * and the environment.
   *
   * @throws ConfigException if the agent arguments are malformed or name an unknown setting, or
   *     any value is invalid
   */
  public static NetdropConfig load(String agentArgs) {
    return load(agentArgs, asMap(System.getProperties()), System.getenv());
  }

  /**
   * Resolves the settings from explicit sources; {@link #load(String)} passes this JVM's.
   *
   * @throws ConfigException as for {@link #load(String)}
   */
  public static NetdropConfig load(
      String agentArgs, Map<String, String> systemProperties, Map<String, String> environment) {
    Objects.requireNonNull(systemProperties, "systemProperties");
    Objects.requireNonNull(environment, "environment");
    Map<String, String> args = AgentArgs.parse(agentArgs);
    for (String key : args.keySet()) {
      if (SETTINGS.stream().noneMatch(s -> s.name().equals(key))) {
        throw new ConfigException(
            "unknown setting '" + key + "' in agent arguments (known: "
                + SETTINGS.stream().map(Setting::name).collect(Collectors.joining(", ")) + ")");
      }
    }
    Map<Setting, Value> values = new HashMap<>();
    for (Setting s : SETTINGS) {
      values.put(s, resolve(s, args, systemProperties, environment));
    }
    return new NetdropConfig(values);
  }

  private static Value resolve(
      Setting s, Map<String, String> args, Map<String, String> props, Map<String, String> env) {
    if (isSet(args.get(s.name()))) {
      return new Value(args.get(s.name()).strip(), Source.AGENT_ARGS);
    }
    if (isSet(props.get(s.systemProperty()))) {
      return new Value(props.get(s.systemProperty()).strip(), Source.SYSTEM_PROPERTY);
    }
    if (isSet(env.get(s.environmentVariable()))) {
      return new Value(env.get(s.environmentVariable()).strip(), Source.ENVIRONMENT);
    }
    return new Value(s.defaultValue(), Source.DEFAULT);
  }

  // A blank value counts as unset, so `NETDROP_DEBUG=` does not mask a lower-precedence source.
  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }

  private static Map<String, String> asMap(Properties properties) {
    Map<String, String> map = new HashMap<>();
    for (String name : properties.stringPropertyNames()) {
      map.put(name, properties.getProperty(name));
    }
    return map;
  }

  /** Whether netdrop starts at all. */
  public boolean enabled() {
    return enabled;
  }

  /** Whether drops are written to stderr. */
  public boolean logDrops() {
    return logDrops;
  }

  /** How often sockets are rescanned and the ring buffer drained; 1 ms to 1 hour. */
  public Duration scanInterval() {
    return scanInterval;
  }

  /** Drop events per second per CPU reported individually; 0 means unlimited. */
  public int eventsPerSecond() {
    return eventsPerSecond;
  }

  /** Burst allowance per CPU above {@link #eventsPerSecond()}; at least 1. */
  public int eventBurst() {
    return eventBurst;
  }

  /** Ring buffer size: a power of two, a multiple of 4096, at most 1 GiB. */
  public int ringBufferBytes() {
    return ringBufferBytes;
  }

  /** Unread bytes at which the kernel wakes the reader; 1 to {@link #ringBufferBytes()}. */
  public int wakeupBytes() {
    return wakeupBytes;
  }

  /** How to attach to {@code skb:kfree_skb}. */
  public AttachMode attach() {
    return attach;
  }

  /** Where the kernel BTF is read from. */
  public java.nio.file.Path btfPath() {
    return btfPath;
  }

  /** Whether diagnostic detail is written to stderr. */
  public boolean debug() {
    return debug;
  }

  /** At most how many sockets a second get their creating class read from the stack. */
  public int creatorsPerSecond() {
    return creatorsPerSecond;
  }

  /** Whether drops go into traces (span events, child spans). */
  public boolean traces() {
    return traces;
  }

  /** Whether kernel counts and health are exported as metrics. */
  public boolean metrics() {
    return metrics;
  }

  /** Whether drops outside any span are exported as log records. */
  public boolean logs() {
    return logs;
  }

  /** Whether drops are JFR events. */
  public boolean jfr() {
    return jfr;
  }

  /** The fold window for bursts, in milliseconds; 0 folds nothing. */
  public long foldMillis() {
    return foldMillis;
  }

  /** How long after a span's last use of a connection a drop still becomes its child span. */
  public long childSpanWindowMillis() {
    return childSpanWindowMillis;
  }

  /** Attribute keys never exported. */
  public java.util.Set<String> redact() {
    return redact;
  }

  /** Returns the text value a setting resolved to (its default if no source set it). */
  public String rawValue(Setting setting) {
    return value(setting).text;
  }

  /** Returns where a setting's value came from. */
  public Source source(Setting setting) {
    return value(setting).source;
  }

  private Value value(Setting setting) {
    Value v = values.get(setting);
    if (v == null) {
      throw new IllegalArgumentException("not a netdrop setting: " + setting);
    }
    return v;
  }

  private boolean bool(Setting s) {
    String text = rawValue(s).toLowerCase(Locale.ROOT);
    if (text.equals("true")) {
      return true;
    }
    if (text.equals("false")) {
      return false;
    }
    throw invalid(s, "is not true or false");
  }

  private long wholeNumber(Setting s, long min, long max, String unit) {
    long n;
    try {
      n = Long.parseLong(rawValue(s));
    } catch (NumberFormatException e) {
      throw invalid(s, "is not a whole number of " + unit);
    }
    if (n < min || n > max) {
      throw invalid(s, "is out of range: expected " + min + " to " + max + " " + unit);
    }
    return n;
  }

  private int ringBufferSize() {
    int n = (int) wholeNumber(RING_BUFFER_BYTES, 1, MAX_RING_BUFFER_BYTES, "bytes");
    if (Integer.bitCount(n) != 1) {
      throw invalid(RING_BUFFER_BYTES, "is not a power of two (the kernel requires one, e.g. 262144)");
    }
    if (n % PAGE_SIZE != 0) {
      throw invalid(RING_BUFFER_BYTES, "is not a multiple of the page size " + PAGE_SIZE);
    }
    return n;
  }

  private AttachMode attachMode() {
    String text = rawValue(ATTACH).toLowerCase(Locale.ROOT);
    for (AttachMode mode : AttachMode.values()) {
      if (mode.settingValue().equals(text)) {
        return mode;
      }
    }
    throw invalid(ATTACH, "is not one of auto, tp_btf, tracepoint");
  }

  private ConfigException invalid(Setting s, String problem) {
    Value v = value(s);
    return new ConfigException(
        s.systemProperty() + ": '" + v.text + "' " + problem + " (" + describe(s, v.source) + ")");
  }

  private static String describe(Setting s, Source source) {
    switch (source) {
      case AGENT_ARGS:
        return "from the agent arguments";
      case SYSTEM_PROPERTY:
        return "from system property " + s.systemProperty();
      case ENVIRONMENT:
        return "from environment variable " + s.environmentVariable();
      default:
        return "the default";
    }
  }

  @Override
  public String toString() {
    return SETTINGS.stream()
        .map(s -> s.name() + "=" + rawValue(s))
        .collect(Collectors.joining(", ", "NetdropConfig{", "}"));
  }

  private static final class Value {
    final String text;
    final Source source;

    Value(String text, Source source) {
      this.text = text;
      this.source = source;
    }
  }
}
