package io.netdrop.kernel;

/** Names a kernel code address, as {@code "tcp_v4_rcv+0x1b2"}; thread-safe. */
public interface Symbolizer {
  /**
   * The symbol containing {@code address} as {@code "name+0x1b2"} ({@code "name+0x10 [module]"}
   * inside a module), or the address in hex ({@code "0xffffffff81234567"}) when no symbol is known
   * for it.
   */
  String symbolize(long address);
}
