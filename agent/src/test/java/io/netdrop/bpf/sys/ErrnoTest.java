package io.netdrop.bpf.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ErrnoTest {
  @Test
  void describesErrnoWithNameAndLibcText() {
    assertEquals("EPERM (Operation not permitted)", Errno.describe(Errno.EPERM));
    assertEquals("EINVAL (Invalid argument)", Errno.describe(Errno.EINVAL));
  }

  @Test
  void namesKernelOnlyEnotsupp() {
    assertEquals("ENOTSUPP", Errno.name(Errno.ENOTSUPP));
    assertEquals("errno 4000", Errno.name(4000));
  }
}
