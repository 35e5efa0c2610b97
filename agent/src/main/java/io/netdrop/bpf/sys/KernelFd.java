package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import io.netdrop.bpf.BpfException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kernel file descriptor shared by concurrent users. {@link #close()} is idempotent and only
 * releases the descriptor once no call is using it, so a racing close can never make a syscall
 * act on a recycled descriptor number.
 */
public final class KernelFd implements AutoCloseable {
  private static final int CLOSED = 1;
  private static final int USER = 2;

  private final int fd;
  private final String subject;
  // bit 0: closed; the rest: number of calls in flight times 2
  private final AtomicInteger state = new AtomicInteger();

  /** @param subject what the descriptor is, for messages, e.g. {@code map 'events'} */
  public KernelFd(int fd, String subject) {
    if (fd < 0) {
      throw new IllegalArgumentException("negative file descriptor " + fd + " for " + subject);
    }
    this.fd = fd;
    this.subject = subject;
  }

  /** Marks the start of a call; returns the descriptor or throws if it is closed. */
  public int acquire() {
    while (true) {
      int s = state.get();
      if ((s & CLOSED) != 0) {
        throw new BpfException(subject + " is closed");
      }
      if (state.compareAndSet(s, s + USER)) {
        return fd;
      }
    }
  }

  /** Marks the end of a call started with {@link #acquire()}. */
  public void release() {
    if (state.addAndGet(-USER) == CLOSED) {
      closeNow();
    }
  }

  /** The descriptor number; throws if closed. */
  public int get() {
    if (isClosed()) {
      throw new BpfException(subject + " is closed");
    }
    return fd;
  }

  public boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  @Override
  public void close() {
    while (true) {
      int s = state.get();
      if ((s & CLOSED) != 0) {
        return;
      }
      if (state.compareAndSet(s, s | CLOSED)) {
        if (s == 0) {
          closeNow();
        }
        return;
      }
    }
  }

  private void closeNow() {
    closeQuietly(fd);
  }

  /** Closes a raw descriptor, ignoring errors: after close(2) fails the number is gone anyway. */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      Libc.close(fd);
    } catch (LastErrorException e) {
      // Linux releases the descriptor even when close reports an error (e.g. EINTR).
    }
  }
}
