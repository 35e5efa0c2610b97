package io.netdrop.agent.internal;

/** One requirement of netdrop on this host, as checked by {@link HostChecks}. */
record HostCheck(String name, Status status, String detail) {
  enum Status {
    OK,
    /** Missing, but netdrop runs without it (a fallback or a degraded mode). */
    WARN,
    /** Missing, and netdrop cannot run. */
    FAIL
  }

  static HostCheck ok(String name, String detail) {
    return new HostCheck(name, Status.OK, detail);
  }

  static HostCheck warn(String name, String detail) {
    return new HostCheck(name, Status.WARN, detail);
  }

  static HostCheck fail(String name, String detail) {
    return new HostCheck(name, Status.FAIL, detail);
  }

  boolean failed() {
    return status == Status.FAIL;
  }
}
