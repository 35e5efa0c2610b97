package io.netdrop.kernel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kernel text symbols from {@code /proc/kallsyms}, for turning the drop location of an event into
 * {@code "tcp_v4_rcv+0x1b2"}. Kept compact (about 120k symbols on a typical kernel): a sorted
 * {@code long[]} of addresses, and names packed in one string. Immutable and thread-safe.
 *
 * <p>If every address is zero ({@code kernel.kptr_restrict} hides them from this process), no
 * symbol is usable and {@link #symbolize} always answers in hex.
 */
public final class KernelSymbols implements Symbolizer {

  private static final Path KALLSYMS = Path.of("/proc/kallsyms");
  // kallsyms has no symbol sizes; no kernel function is this long, so a larger offset means the
  // address is past the end of the last symbol's code rather than inside it.
  private static final long MAX_OFFSET = 1 << 20;

  private final long[] addresses; // sorted unsigned
  private final int[] nameEnds; // names[i] = packed.substring(i == 0 ? 0 : nameEnds[i - 1], nameEnds[i])
  private final byte[] packed; // Latin-1
  private final short[] modules; // index into moduleNames, -1 for the core kernel
  private final String[] moduleNames;

  private KernelSymbols(long[] addresses, int[] nameEnds, byte[] packed, short[] modules, String[] moduleNames) {
    this.addresses = addresses;
    this.nameEnds = nameEnds;
    this.packed = packed;
    this.modules = modules;
    this.moduleNames = moduleNames;
  }

  /**
   * Reads {@code /proc/kallsyms} of the running kernel, streaming: only the kept symbols' names
   * are copied (the text, about 5 MB, is never held whole).
   *
   * @throws KernelFormatException if it cannot be read or is malformed
   */
  public static KernelSymbols load() {
    try (InputStream in = Files.newInputStream(KALLSYMS)) {
      return new Builder().read(in);
    } catch (IOException e) {
      throw new KernelFormatException("cannot read " + KALLSYMS + ": " + e, e);
    }
  }

  /**
   * Parses kallsyms text: lines {@code "<hex address> <type> <name>[\t[module]]"}. Only text
   * symbols (types {@code T t W w}) are kept; a module symbol keeps its name and module, and is
   * ordered by address like any other. Of several symbols at one address the first listed wins.
   * Does not close the reader.
   *
   * @throws KernelFormatException naming the line number if a line is malformed
   */
  public static KernelSymbols parse(Reader kallsyms) {
    StringBuilder text = new StringBuilder();
    char[] buf = new char[1 << 16];
    try {
      for (int n; (n = kallsyms.read(buf)) >= 0; ) {
        text.append(buf, 0, n);
      }
      // Symbol names are ASCII; Latin-1 keeps every char as one byte, so nothing is lost for errors.
      return new Builder()
          .read(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.ISO_8859_1)));
    } catch (IOException e) {
      throw new KernelFormatException("cannot read kallsyms: " + e, e);
    }
  }

  /**
   * The symbol containing {@code address} as {@code "name+0x1b2"} ({@code "name+0x0"} at its start,
   * {@code "name+0x10 [module]"} inside a module), or the address in hex ({@code
   * "0xffffffff81234567"}) if it is below the first symbol, implausibly far past the nearest one,
   * or no symbols are known.
   */
  @Override
  public String symbolize(long address) {
    int i = floor(address);
    if (i < 0) {
      return hex(address);
    }
    long offset = address - addresses[i];
    if (Long.compareUnsigned(offset, MAX_OFFSET) >= 0) {
      return hex(address);
    }
    int from = i == 0 ? 0 : nameEnds[i - 1];
    String name = new String(packed, from, nameEnds[i] - from, StandardCharsets.ISO_8859_1);
    String s = name + "+0x" + Long.toHexString(offset);
    return modules[i] < 0 ? s : s + " [" + moduleNames[modules[i]] + "]";
  }

  /** The number of usable text symbols; 0 if addresses are hidden by {@code kptr_restrict}. */
  public int size() {
    return addresses.length;
  }

  @Override
  public String toString() {
    return "KernelSymbols[" + size() + " text symbols]";
  }

  private int floor(long address) {
    int lo = 0;
    int hi = addresses.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(addresses[mid], address) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private static String hex(long address) {
    return "0x" + Long.toHexString(address);
  }

  /**
   * Parses kallsyms in one pass over a fixed buffer (no String per line, no copy of the whole
   * text), copying the names of kept symbols only, then sorts once.
   */
  private static final class Builder {
    private byte[] buf = new byte[1 << 16];
    private long[] addresses = new long[1 << 17];
    private int[] nameStarts = new int[1 << 17]; // offsets into names
    private int[] nameEnds = new int[1 << 17];
    private short[] modules = new short[1 << 17];
    private byte[] names = new byte[1 << 21];
    private int namesUsed;
    private final Map<String, Short> moduleIds = new HashMap<>();
    private final List<String> moduleNames = new ArrayList<>();
    private int count;
    private boolean anyNonZero;
    private boolean sorted = true;

    KernelSymbols read(InputStream in) throws IOException {
      int lineNo = 0;
      int filled = 0; // buf[0, filled) holds text not yet parsed, starting at a line's start
      boolean eof = false;
      while (!eof || filled > 0) {
        if (!eof) {
          if (filled == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
          }
          int n = in.read(buf, filled, buf.length - filled);
          if (n < 0) {
            eof = true;
          } else {
            filled += n;
          }
        }
        int pos = 0;
        while (true) {
          int eol = pos;
          while (eol < filled && buf[eol] != '\n') {
            eol++;
          }
          if (eol == filled && !(eof && eol > pos)) {
            break; // an incomplete line: wait for more text (or nothing left at the end)
          }
          lineNo++;
          addLine(pos, eol, lineNo);
          pos = Math.min(eol + 1, filled);
        }
        System.arraycopy(buf, pos, buf, 0, filled - pos);
        filled -= pos;
        if (eof && filled == 0) {
          break;
        }
      }
      return finish();
    }

    private void addLine(int start, int end, int lineNo) {
      if (start == end) {
        return;
      }
      byte[] text = buf;
      long address = 0;
      int p = start;
      while (p < end && text[p] != ' ') {
        int d = Character.digit(text[p], 16);
        if (d < 0 || p - start >= 16) {
          throw malformed(start, end, lineNo, "address is not a hex number of at most 16 digits");
        }
        address = (address << 4) | d;
        p++;
      }
      // p is at the space after the address: " <type> <name>"
      if (p == start || p + 3 >= end || text[p + 2] != ' ') {
        throw malformed(start, end, lineNo, "expected '<hex address> <type> <name>'");
      }
      byte type = text[p + 1];
      if (type != 'T' && type != 't' && type != 'W' && type != 'w') {
        return;
      }
      int nameStart = p + 3;
      int nameEnd = nameStart;
      while (nameEnd < end && text[nameEnd] != '\t') {
        nameEnd++;
      }
      if (nameEnd == nameStart || text[nameStart] == ' ') {
        throw malformed(start, end, lineNo, "empty symbol name");
      }
      short module = -1;
      if (nameEnd < end) {
        int ms = nameEnd + 1;
        int me = end;
        while (me > ms && (text[me - 1] == ' ' || text[me - 1] == '\r')) {
          me--;
        }
        if (me - ms < 3 || text[ms] != '[' || text[me - 1] != ']') {
          throw malformed(start, end, lineNo, "expected '[module]' after the tab");
        }
        module = moduleId(new String(text, ms + 1, me - ms - 2, StandardCharsets.ISO_8859_1));
      }
      if (address != 0) {
        anyNonZero = true;
      }
      if (count == addresses.length) {
        grow();
      }
      if (count > 0 && Long.compareUnsigned(address, addresses[count - 1]) < 0) {
        sorted = false;
      }
      int len = nameEnd - nameStart;
      if (namesUsed + len > names.length) {
        names = Arrays.copyOf(names, Math.max(names.length * 2, namesUsed + len));
      }
      System.arraycopy(text, nameStart, names, namesUsed, len);
      addresses[count] = address;
      nameStarts[count] = namesUsed;
      namesUsed += len;
      nameEnds[count] = namesUsed;
      modules[count] = module;
      count++;
    }

    private KernelSymbols finish() {
      if (!anyNonZero) {
        return new KernelSymbols(new long[0], new int[0], new byte[0], new short[0], new String[0]);
      }
      Integer[] order = null;
      if (!sorted) {
        order = new Integer[count];
        for (int i = 0; i < count; i++) {
          order[i] = i;
        }
        // Stable, so the first symbol listed at an address stays first.
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(addresses[x], addresses[y]));
      }
      long[] outAddr = new long[count];
      int[] outEnds = new int[count];
      short[] outMods = new short[count];
      byte[] outNames = new byte[namesUsed];
      int n = 0;
      int used = 0;
      for (int k = 0; k < count; k++) {
        int i = order == null ? k : order[k];
        if (n > 0 && outAddr[n - 1] == addresses[i]) {
          continue;
        }
        int len = nameEnds[i] - nameStarts[i];
        System.arraycopy(names, nameStarts[i], outNames, used, len);
        used += len;
        outAddr[n] = addresses[i];
        outEnds[n] = used;
        outMods[n] = modules[i];
        n++;
      }
      return new KernelSymbols(
          Arrays.copyOf(outAddr, n),
          Arrays.copyOf(outEnds, n),
          Arrays.copyOf(outNames, used),
          Arrays.copyOf(outMods, n),
          moduleNames.toArray(new String[0]));
    }

    private short moduleId(String name) {
      Short id = moduleIds.get(name);
      if (id == null) {
        if (moduleNames.size() == Short.MAX_VALUE) {
          throw new KernelFormatException("kallsyms lists more than " + Short.MAX_VALUE + " modules");
        }
        id = (short) moduleNames.size();
        moduleIds.put(name, id);
        moduleNames.add(name);
      }
      return id;
    }

    private void grow() {
      int n = addresses.length * 2;
      addresses = Arrays.copyOf(addresses, n);
      nameStarts = Arrays.copyOf(nameStarts, n);
      nameEnds = Arrays.copyOf(nameEnds, n);
      modules = Arrays.copyOf(modules, n);
    }

    private KernelFormatException malformed(int start, int end, int lineNo, String what) {
      String line = new String(buf, start, Math.min(end - start, 80), StandardCharsets.ISO_8859_1);
      return new KernelFormatException(
          "malformed kallsyms line " + lineNo + " (" + what + "): '" + line
              + (end - start > 80 ? "..." : "") + "'");
    }
  }
}
