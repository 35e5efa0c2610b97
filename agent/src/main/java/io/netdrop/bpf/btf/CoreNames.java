package io.netdrop.bpf.btf;

/** CO-RE "flavour" naming: {@code task_struct___v2} is a local variant of {@code task_struct}. */
final class CoreNames {
  private CoreNames() {}

  /** The name with any {@code ___suffix} removed. */
  static String essential(String name) {
    int cut = name.indexOf("___");
    return cut < 0 ? name : name.substring(0, cut);
  }
}
