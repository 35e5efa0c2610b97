package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionBtfTest {
  @Test
  void describesTheProgramAsGlobalAndItsCallbacksAsStaticFunctionsReturningInt() {
    Btf btf = Btf.parse(ByteBuffer.wrap(FunctionBtf.of(List.of("nd_release", "release_one"))));

    BtfType program = btf.type(FunctionBtf.funcTypeId(0));
    BtfType callback = btf.type(FunctionBtf.funcTypeId(1));
    assertEquals(BtfKind.FUNC, program.kind());
    assertEquals("nd_release", program.name());
    assertEquals(1, program.linkage(), "BTF_FUNC_GLOBAL");
    assertEquals(BtfKind.FUNC, callback.kind());
    assertEquals("release_one", callback.name());
    assertEquals(0, callback.linkage(), "BTF_FUNC_STATIC");

    BtfType proto = btf.type(program.typeRef());
    assertEquals(BtfKind.FUNC_PROTO, proto.kind());
    assertEquals(List.of(), proto.params());
    BtfType ret = btf.type(proto.typeRef());
    assertEquals("int", ret.name());
    assertEquals(32, ret.intBits());
    assertEquals(4, ret.size());
    assertEquals(proto.id(), callback.typeRef());
  }

  @Test
  void needsAtLeastTheProgramsName() {
    assertThrows(IllegalArgumentException.class, () -> FunctionBtf.of(List.of()));
  }
}
