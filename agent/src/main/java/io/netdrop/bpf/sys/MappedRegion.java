package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.netdrop.bpf.BpfSyscallException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One shared mmap of a kernel object. Java code reaches it only through {@link #buffer()}, whose
 * bounds are exactly the mapping, so a bad offset is an exception rather than a crash. The
 * buffer must not be touched after {@link #close()}.
 */
public final class MappedRegion implements AutoCloseable {
  private final Pointer address;
  private final long length;
  private final ByteBuffer buffer;
  private boolean closed;

  private MappedRegion(Pointer address, long length, boolean writable) {
    this.address = address;
    this.length = length;
    ByteBuffer view = address.getByteBuffer(0, length);
    // A read-only mapping must never be handed out as a writable buffer: a write would SIGSEGV.
    this.buffer = (writable ? view : view.asReadOnlyBuffer()).order(ByteOrder.nativeOrder());
  }

  /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared, read-only or read-write. */
  public static MappedRegion map(int fd, long length, boolean writable, long offset, String subject) {
    if (length <= 0 || length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("cannot map " + length + " bytes of " + subject);
    }
    int prot = writable ? Libc.PROT_READ | Libc.PROT_WRITE : Libc.PROT_READ;
    Pointer address;
    try {
      address = Libc.mmap(null, length, prot, Libc.MAP_SHARED, fd, offset);
    } catch (LastErrorException e) {
      throw new BpfSyscallException("mmap", subject, e.getErrorCode());
    }
    if (address == null || Pointer.nativeValue(address) == -1L) {
      throw new BpfSyscallException("mmap", subject, Errno.EINVAL);
    }
    return new MappedRegion(address, length, writable);
  }

  /** The mapping as a native-order buffer of exactly its length (read-only if mapped so). */
  public ByteBuffer buffer() {
    return buffer;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Libc.munmap(address, length);
    } catch (LastErrorException e) {
      // munmap of a range we mapped cannot fail in practice; nothing useful to do if it does.
    }
  }
}
