package io.netdrop.bpf.sys;

/** Turns our names into names the kernel accepts for maps and programs. */
public final class ObjectNames {
  private ObjectNames() {}

  /**
   * The kernel accepts only {@code [A-Za-z0-9_.]} in object names and at most 15 characters
   * (BPF_OBJ_NAME_LEN 16 with the NUL); anything else is replaced by '_' and cut.
   */
  public static String kernelName(String name) {
    int length = Math.min(name.length(), BpfConstants.OBJ_NAME_LEN - 1);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
              || c == '.';
      out.append(ok ? c : '_');
    }
    return out.toString();
  }
}
