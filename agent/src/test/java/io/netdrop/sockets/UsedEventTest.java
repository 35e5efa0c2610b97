package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.sockets.internal.SocketCalls;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code used} runs on every socket read and write: concurrent, lock-free, allocation-free. */
class UsedEventTest {

  @Test
  void concurrentUsersLeaveTheLastThreadAndTimeWhileSocketsOpenAndClose() throws Exception {
    ConnectionRegistry registry = ConnectionRegistry.create(1024);
    AtomicLong clock = new AtomicLong(1);
    RegistrySocketEvents events =
        RegistrySocketEvents.builder(registry).captureCreator(false).clock(clock::incrementAndGet).build();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(ProcSockets.IPPROTO_TCP, server.getLocalPort(), 0);
      events.opened(fd, SocketEvents.TCP, null);
      ConnectionRecord r = registry.find(SocketCalls.inode(fd));
      int threads = 4;
      Set<String> names = ConcurrentHashMap.newKeySet();
      CountDownLatch start = new CountDownLatch(1);
      Thread[] users = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        users[t] = new Thread(() -> {
          names.add(Thread.currentThread().getName());
          await(start);
          for (int i = 0; i < 200_000; i++) {
            events.used(fd, null);
            events.used(fd + 1000, null); // a descriptor nobody registered
          }
        }, "user-" + t);
        users[t].start();
      }
      // Meanwhile other sockets come and go (writers of the fd table and the registry).
      Thread churn = new Thread(() -> {
        await(start);
        for (int i = 0; i < 200; i++) {
          try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int other = ProcFds.fdOfInode(ProcFds.inode(ProcSockets.IPPROTO_TCP, s.getLocalPort(), 0));
            events.opened(other, SocketEvents.TCP, null);
            events.closing(other, null);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      });
      churn.start();
      start.countDown();
      for (Thread u : users) {
        u.join();
      }
      churn.join();
      assertNotNull(r.lastUser());
      assertTrue(names.contains(r.lastUser()), r.lastUser());
      assertTrue(r.lastUsedNanos() > 1, "time recorded");
      assertEquals(0, events.failures(), events.lastFailure());
    }
  }

  @Test
  void usedAllocatesNothing() throws Exception {
    ConnectionRegistry registry = ConnectionRegistry.create(16);
    RegistrySocketEvents events = RegistrySocketEvents.builder(registry).captureCreator(false).build();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = ProcFds.fd(ProcSockets.IPPROTO_TCP, server.getLocalPort(), 0);
      events.opened(fd, SocketEvents.TCP, null);
      for (int i = 0; i < 300_000; i++) { // into compiled code
        events.used(fd, null);
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 1_000_000; i++) {
        events.used(fd, null);
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before;
      assertTrue(allocated < 1024, "1,000,000 used() calls allocated " + allocated + " bytes");
      assertEquals(Thread.currentThread().getName(), registry.find(SocketCalls.inode(fd)).lastUser());
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
