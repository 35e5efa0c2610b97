package io.netdrop.bpf.sys;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A zeroed native buffer holding one syscall attribute block ({@code union bpf_attr},
 * {@code struct perf_event_attr}, ...). Buffers it points to are kept reachable for as long as
 * the attribute block is, so the kernel never reads freed memory.
 */
public final class BpfAttr {
  private final Memory memory;
  private final int size;
  private final List<Memory> referenced = new ArrayList<>(2);

  public BpfAttr(int size) {
    this.size = size;
    this.memory = new Memory(size);
    memory.clear();
  }

  public Memory memory() {
    return memory;
  }

  public int size() {
    return size;
  }

  public BpfAttr putInt(int offset, int value) {
    memory.setInt(offset, value);
    return this;
  }

  public BpfAttr putLong(int offset, long value) {
    memory.setLong(offset, value);
    return this;
  }

  /** Stores the address of {@code buffer} (or 0 for null) and keeps the buffer alive. */
  public BpfAttr putPointer(int offset, Memory buffer) {
    if (buffer == null) {
      memory.setLong(offset, 0);
    } else {
      referenced.add(buffer);
      memory.setLong(offset, Pointer.nativeValue(buffer));
    }
    return this;
  }

  /** Writes a NUL-padded object name into a {@code char[capacity]} field, truncated to fit. */
  public BpfAttr putName(int offset, int capacity, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
    int length = Math.min(bytes.length, capacity - 1);
    memory.write(offset, bytes, 0, length);
    return this;
  }

  public int getInt(int offset) {
    return memory.getInt(offset);
  }

  public long getLong(int offset) {
    return memory.getLong(offset);
  }

  /** A zeroed native copy of {@code bytes} (at least one byte, so a pointer always exists). */
  public static Memory nativeCopy(byte[] bytes, int size) {
    Memory copy = new Memory(Math.max(1, size));
    copy.clear();
    if (bytes != null) {
      copy.write(0, bytes, 0, Math.min(bytes.length, size));
    }
    return copy;
  }

  /** A NUL-terminated native copy of an ASCII/UTF-8 string. */
  public static Memory nativeString(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Memory copy = new Memory(bytes.length + 1L);
    copy.write(0, bytes, 0, bytes.length);
    copy.setByte(bytes.length, (byte) 0);
    return copy;
  }
}
