package io.netdrop.config;

import java.util.Locale;

/** How the drop program attaches to {@code skb:kfree_skb}: the value of the {@code attach} setting. */
public enum AttachMode {
  /** {@code tp_btf} when the kernel has BTF, else the classic tracepoint. */
  AUTO,
  /** A BTF-typed raw tracepoint; needs {@code /sys/kernel/btf/vmlinux}, not tracefs. */
  TP_BTF,
  /** The classic tracepoint through perf_event_open; needs tracefs. */
  TRACEPOINT;

  /** Returns the spelling used in settings, e.g. {@code tp_btf}. */
  public String settingValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
