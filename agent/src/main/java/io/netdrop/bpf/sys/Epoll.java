package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.netdrop.bpf.BpfSyscallException;

/**
 * An epoll set watching one descriptor for readability, plus an eventfd that {@link #wakeup()}
 * signals so another thread can end a blocked {@link #await(int)} (closing an epoll descriptor
 * does not wake its waiters).
 */
public final class Epoll implements AutoCloseable {
  private static final int MAX_EVENTS = 2;

  private final int epollFd;
  private final int wakeFd;
  private final Memory events;
  private final Memory one;
  private final String subject;

  private Epoll(int epollFd, int wakeFd, String subject) {
    this.epollFd = epollFd;
    this.wakeFd = wakeFd;
    this.subject = subject;
    this.events = new Memory((long) MAX_EVENTS * Arch.current().epollEventSize());
    events.clear();
    this.one = new Memory(8);
    one.setLong(0, 1);
  }

  /** Creates an epoll set waiting for {@code fd} to become readable. */
  public static Epoll watching(int fd, String subject) {
    int epollFd = -1;
    int wakeFd = -1;
    try {
      epollFd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
    } catch (LastErrorException e) {
      throw new BpfSyscallException("epoll_create1", subject, e.getErrorCode());
    }
    try {
      try {
        wakeFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
      } catch (LastErrorException e) {
        throw new BpfSyscallException("eventfd", subject, e.getErrorCode());
      }
      add(epollFd, fd, subject);
      add(epollFd, wakeFd, subject);
      return new Epoll(epollFd, wakeFd, subject);
    } catch (RuntimeException e) {
      KernelFd.closeQuietly(wakeFd);
      KernelFd.closeQuietly(epollFd);
      throw e;
    }
  }

  private static void add(int epollFd, int fd, String subject) {
    Memory event = new Memory(Arch.current().epollEventSize());
    event.clear();
    event.setInt(0, Libc.EPOLLIN);
    try {
      Libc.epoll_ctl(epollFd, Libc.EPOLL_CTL_ADD, fd, event);
    } catch (LastErrorException e) {
      throw new BpfSyscallException("epoll_ctl", subject, e.getErrorCode());
    }
  }

  /**
   * Waits until the watched descriptor is readable, {@link #wakeup()} is called, or the timeout
   * (milliseconds, negative = forever) passes. Returns the number of ready descriptors, 0 on
   * timeout or when a signal interrupted the wait.
   */
  public int await(int timeoutMillis) {
    try {
      return Libc.epoll_wait(epollFd, events, MAX_EVENTS, timeoutMillis < 0 ? -1 : timeoutMillis);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Errno.EINTR) {
        return 0;
      }
      throw new BpfSyscallException("epoll_wait", subject, e.getErrorCode());
    }
  }

  /** Makes the current and every later {@link #await(int)} return at once. */
  public void wakeup() {
    try {
      Libc.write(wakeFd, one, 8);
    } catch (LastErrorException e) {
      // EAGAIN: the counter is already non-zero, so waiters are already woken.
    }
  }

  @Override
  public void close() {
    KernelFd.closeQuietly(epollFd);
    KernelFd.closeQuietly(wakeFd);
  }
}
