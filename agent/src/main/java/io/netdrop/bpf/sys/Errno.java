package io.netdrop.bpf.sys;

import java.util.HashMap;
import java.util.Map;

/** Symbolic names and descriptions for the errno values bpf(2) and friends return. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int E2BIG = 7;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int EOPNOTSUPP = 95;
  /** Kernel-internal "not supported" that bpf(2) lets escape to user space; libc has no text for it. */
  public static final int ENOTSUPP = 524;

  private static final Map<Integer, String> NAMES = new HashMap<>();

  static {
    String[] names = {
      null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
      "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
      "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
      "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG",
      "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP"
    };
    for (int i = 1; i < names.length; i++) {
      NAMES.put(i, names[i]);
    }
    NAMES.put(61, "ENODATA");
    NAMES.put(62, "ETIME");
    NAMES.put(71, "EPROTO");
    NAMES.put(75, "EOVERFLOW");
    NAMES.put(77, "EBADFD");
    NAMES.put(95, "EOPNOTSUPP");
    NAMES.put(105, "ENOBUFS");
    NAMES.put(110, "ETIMEDOUT");
    NAMES.put(ENOTSUPP, "ENOTSUPP");
  }

  private Errno() {}

  /** The symbolic name, e.g. {@code EPERM}, or {@code errno 123} when unknown. */
  public static String name(int errno) {
    String name = NAMES.get(errno);
    return name != null ? name : "errno " + errno;
  }

  /** Name plus libc's text, e.g. {@code EPERM (Operation not permitted)}. */
  public static String describe(int errno) {
    String text;
    if (errno == ENOTSUPP) {
      text = "Operation not supported by this kernel";
    } else {
      try {
        text = Libc.strerror(errno);
      } catch (RuntimeException | LinkageError e) {
        text = null;
      }
    }
    return text == null || text.isEmpty() ? name(errno) : name(errno) + " (" + text + ")";
  }
}
