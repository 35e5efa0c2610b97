package io.netdrop.config;

import java.time.Duration;
import java.util.ArrayList;
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
 * is created. A value netdrop cannot use, and an agent argument it does not know, never stops it:
 * the setting takes its default instead and {@link #problems()} says so, one line each, so that a
 * typo costs one setting rather than netdrop. Instances are immutable.
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
  /** Default: {@code auto}. */
  public static final Setting CGROUP_HOOKS =
      new Setting(
          "cgroup-hooks",
          "auto",
          "Whether sockets are registered by cgroup programs inside the kernel's socket(), bind(), connect and getpeername() (needs CAP_NET_ADMIN and cgroup v2): auto attaches them to the JVM's cgroup, except the host's root cgroup, where they would run for every process of the host: there only the connect hook (nd_sock_ops, which can refuse no call) goes, and sockets are registered from Java; on attaches them all, there too; off attaches none (sockets registered from Java right after each call, connects learned from every packet the host sends).");
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

  /** Default: {@code warn}. */
  public static final Setting LOG_LEVEL =
      new Setting(
          "log-level",
          "warn",
          "Level of the diagnostics of the libraries inside netdrop (the OpenTelemetry SDK, JNA), written to stderr as `netdrop: LEVEL logger - message` lines through netdrop's own slf4j, never the application's logging: off, error, warn, info, debug or trace. netdrop's own lines and the output of the logging exporters are not affected.");

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
          CGROUP_HOOKS,
          BTF_PATH,
          CREATORS_PER_SECOND,
          TRACES,
          METRICS,
          LOGS,
          JFR,
          FOLD_MS,
          CHILD_SPAN_WINDOW_MS,
          REDACT,
          DEBUG,
          LOG_LEVEL);

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
  private final List<Problem> problems;
  private final boolean enabled;
  private final boolean logDrops;
  private final Duration scanInterval;
  private final int eventsPerSecond;
  private final int eventBurst;
  private final int ringBufferBytes;
  private final int wakeupBytes;
  private final AttachMode attach;
  private final CgroupHooks cgroupHooks;
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
  private final String logLevel;

  private NetdropConfig(Map<Setting, Value> resolved, List<Problem> argumentProblems) {
    // Checked in SETTINGS order, so the problems come in that order. Each check replaces a value it
    // cannot use by the default, so that rawValue, source and toString show what is in effect.
    this.values = new HashMap<>(resolved);
    this.problems = new ArrayList<>(argumentProblems);
    this.enabled = bool(ENABLED);
    this.logDrops = bool(LOG_DROPS);
    this.scanInterval =
        Duration.ofMillis(wholeNumber(SCAN_INTERVAL_MS, 1, MAX_SCAN_INTERVAL_MS, "milliseconds"));
    this.eventsPerSecond =
        (int) wholeNumber(EVENTS_PER_SECOND, 0, Integer.MAX_VALUE, "events per second");
    this.eventBurst = (int) wholeNumber(EVENT_BURST, 1, Integer.MAX_VALUE, "events");
    this.ringBufferBytes = ringBufferSize();
    this.wakeupBytes = wakeupSize(ringBufferBytes);
    this.attach = attachMode();
    this.cgroupHooks = CgroupHooks.valueOf(oneOf(CGROUP_HOOKS, "auto", "on", "off").toUpperCase(Locale.ROOT));
    this.btfPath = path(BTF_PATH);
    this.creatorsPerSecond =
        (int) wholeNumber(CREATORS_PER_SECOND, 0, 1_000_000, "sockets per second");
    this.traces = bool(TRACES);
    this.metrics = bool(METRICS);
    this.logs = bool(LOGS);
    this.jfr = bool(JFR);
    this.foldMillis = wholeNumber(FOLD_MS, 0, 3_600_000, "milliseconds");
    this.childSpanWindowMillis = wholeNumber(CHILD_SPAN_WINDOW_MS, 0, 3_600_000, "milliseconds");
    this.redact = redactKeys();
    this.debug = bool(DEBUG);
    this.logLevel = oneOf(LOG_LEVEL, "off", "error", "warn", "info", "debug", "trace");
  }

  /** Keeps the valid keys of a list with some invalid ones: dropping them all would export what the user meant to hide. */
  private java.util.Set<String> redactKeys() {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    List<String> bad = new ArrayList<>();
    for (String k : rawValue(REDACT).split(",")) {
      String key = k.strip();
      if (key.isEmpty()) {
        continue;
      }
      if (key.matches("[a-z0-9_.]+")) {
        keys.add(key);
      } else {
        bad.add(key);
      }
    }
    if (!bad.isEmpty()) {
      String kept = String.join(",", keys);
      problem(
          REDACT,
          "holds " + quoted(bad) + ", not attribute keys (lower case, digits, '_' and '.')",
          kept.isEmpty() ? "redacting nothing" : "redacting only " + kept,
          kept);
    }
    return java.util.Collections.unmodifiableSet(keys);
  }

  private java.nio.file.Path path(Setting s) {
    try {
      return java.nio.file.Path.of(rawValue(s));
    } catch (java.nio.file.InvalidPathException e) {
      useDefault(s, "is not a file path (" + e.getReason() + ")");
      return java.nio.file.Path.of(rawValue(s));
    }
  }

  /**
   * Resolves the settings of this JVM from {@code agentArgs} (may be null), the system properties
   * and the environment. Never throws for a bad value or argument: see {@link #problems()}.
   */
  public static NetdropConfig load(String agentArgs) {
    return load(agentArgs, asMap(System.getProperties()), System.getenv());
  }

  /** Resolves the settings from explicit sources; {@link #load(String)} passes this JVM's. */
  public static NetdropConfig load(
      String agentArgs, Map<String, String> systemProperties, Map<String, String> environment) {
    Objects.requireNonNull(systemProperties, "systemProperties");
    Objects.requireNonNull(environment, "environment");
    List<Problem> argumentProblems = new ArrayList<>();
    Map<String, String> args = AgentArgs.parse(agentArgs, argumentProblems);
    for (String key : args.keySet()) {
      if (SETTINGS.stream().noneMatch(s -> s.name().equals(key))) {
        argumentProblems.add(
            new Problem(
                "unknown setting '" + key + "' in agent arguments (known: "
                    + SETTINGS.stream().map(Setting::name).collect(Collectors.joining(", ")) + ")",
                "ignoring it"));
      }
    }
    Map<Setting, Value> values = new HashMap<>();
    for (Setting s : SETTINGS) {
      values.put(s, resolve(s, args, systemProperties, environment));
    }
    return new NetdropConfig(values, argumentProblems);
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

  /**
   * What netdrop could not use, one line each in the order found, e.g. {@code netdrop.fold-ms: 'abc'
   * is not a whole number of milliseconds (from system property netdrop.fold-ms); using the default
   * 1000}: each names the setting (or agent argument), the value, where it came from, and what is
   * used instead. Empty when every setting was valid.
   */
  public List<String> problems() {
    return problems.stream().map(Problem::line).collect(Collectors.toUnmodifiableList());
  }

  /**
   * For a caller that refuses bad settings rather than fall back to defaults (the {@code attach}
   * command, before it touches another JVM).
   *
   * @throws ConfigException naming the first problem (without the fallback) and how many follow
   */
  public void requireValid() {
    if (!problems.isEmpty()) {
      int more = problems.size() - 1;
      throw new ConfigException(
          problems.get(0).issue() + (more == 0 ? "" : " (and " + more + " more problem" + (more == 1 ? ")" : "s)")));
    }
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

  /** Where the cgroup programs that register sockets may be attached. */
  public CgroupHooks cgroupHooks() {
    return cgroupHooks;
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

  /** The level of the diagnostics of the libraries inside netdrop, lower case: off, error, warn, info, debug or trace. */
  public String logLevel() {
    return logLevel;
  }

  /**
   * Returns the text value a setting resolved to: its default if no source set it or the value set
   * was invalid (see {@link #problems()}).
   */
  public String rawValue(Setting setting) {
    return value(setting).text;
  }

  /** Returns where a setting's value came from ({@link Source#DEFAULT} also for an invalid value replaced by the default). */
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
    if (!text.equals("true") && !text.equals("false")) {
      useDefault(s, "is not true or false");
    }
    return Boolean.parseBoolean(rawValue(s));
  }

  private long wholeNumber(Setting s, long min, long max, String unit) {
    long n;
    try {
      n = Long.parseLong(rawValue(s));
    } catch (NumberFormatException e) {
      useDefault(s, "is not a whole number of " + unit);
      return Long.parseLong(rawValue(s));
    }
    if (n < min || n > max) {
      useDefault(s, "is out of range: expected " + min + " to " + max + " " + unit);
      return Long.parseLong(rawValue(s));
    }
    return n;
  }

  private int ringBufferSize() {
    int n = (int) wholeNumber(RING_BUFFER_BYTES, 1, MAX_RING_BUFFER_BYTES, "bytes");
    if (Integer.bitCount(n) != 1) {
      useDefault(RING_BUFFER_BYTES, "is not a power of two (the kernel requires one, e.g. 262144)");
    } else if (n % PAGE_SIZE != 0) {
      useDefault(RING_BUFFER_BYTES, "is not a multiple of the page size " + PAGE_SIZE);
    }
    return Integer.parseInt(rawValue(RING_BUFFER_BYTES));
  }

  private int wakeupSize(int ringBytes) {
    int n = (int) wholeNumber(WAKEUP_BYTES, 1, MAX_RING_BUFFER_BYTES, "bytes");
    if (n > ringBytes) {
      // The default (one page) fits every valid ring buffer.
      useDefault(WAKEUP_BYTES, "is larger than " + RING_BUFFER_BYTES.systemProperty() + " (" + ringBytes + ")");
      return Integer.parseInt(rawValue(WAKEUP_BYTES));
    }
    return n;
  }

  private String oneOf(Setting s, String... choices) {
    String text = rawValue(s).toLowerCase(Locale.ROOT);
    if (!List.of(choices).contains(text)) {
      useDefault(s, "is not one of " + String.join(", ", choices));
      return s.defaultValue();
    }
    return text;
  }

  private AttachMode attachMode() {
    String text = rawValue(ATTACH).toLowerCase(Locale.ROOT);
    for (AttachMode mode : AttachMode.values()) {
      if (mode.settingValue().equals(text)) {
        return mode;
      }
    }
    useDefault(ATTACH, "is not one of auto, tp_btf, tracepoint");
    return attachMode();
  }

  /** Notes the problem with {@code s}'s value and puts its default in its place. */
  private void useDefault(Setting s, String problem) {
    String fallback = s.defaultValue().isEmpty() ? "none" : s.defaultValue();
    problem(s, problem, "using the default " + fallback, s.defaultValue());
  }

  private void problem(Setting s, String problem, String consequence, String replacement) {
    Value v = value(s);
    problems.add(
        new Problem(
            s.systemProperty() + ": '" + v.text + "' " + problem + " (" + describe(s, v.source) + ")",
            consequence));
    values.put(s, new Value(replacement, replacement.equals(s.defaultValue()) ? Source.DEFAULT : v.source));
  }

  private static String quoted(List<String> items) {
    return items.stream().map(i -> "'" + i + "'").collect(Collectors.joining(", "));
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

  /** What is wrong with a setting or agent argument, and what netdrop does instead. */
  record Problem(String issue, String consequence) {
    String line() {
      return issue + "; " + consequence;
    }
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
