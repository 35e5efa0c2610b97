package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class BtfTest {

  /** One of every kind, wired together the way clang emits them. */
  private static BtfBuilder everyKind() {
    BtfBuilder b = new BtfBuilder();
    int u32 = b.integer("unsigned int", 4, false); // 1
    int s64 = b.integer("long long", 8, true); // 2
    int ptr = b.ptr(u32); // 3
    int arr = b.array(u32, u32, 10); // 4
    int inner = b.union("", 8, "a", u32, 0, "b", s64, 0); // 5
    b.struct("outer", 56, "x", u32, 0, "", inner, 64, "p", ptr, 128, "v", arr, 192); // 6
    b.enumeration("color", 4, true, "RED", -1, "GREEN", 7); // 7
    b.fwd("later", false); // 8
    int td = b.ref(BtfKind.TYPEDEF, "u32_t", u32); // 9
    int vol = b.ref(BtfKind.VOLATILE, "", td); // 10
    int cst = b.ref(BtfKind.CONST, "", vol); // 11
    b.ref(BtfKind.RESTRICT, "", ptr); // 12
    int proto = b.funcProto(u32, "a", u32, "b", ptr, "", 0); // 13
    b.func("handler", proto, 1); // 14
    int var = b.variable("counter", cst, 1); // 15
    b.datasec(".data", 4, var, 0, 4); // 16
    b.floating("double", 8); // 17
    b.declTag("kernel", 6, 0); // 18
    b.ref(BtfKind.TYPE_TAG, "user", cst); // 19
    b.enum64("big", false, "HUGE", 0xffff_ffff_ffffL, "SMALL", 1); // 20
    int fp = b.ptr(proto); // 21
    b.ref(BtfKind.TYPEDEF, "handler_t", fp); // 22
    return b;
  }

  @Test
  void parsesEveryKindWithItsDetails() {
    Btf btf = everyKind().parse();

    assertEquals(22, btf.typeCount());
    BtfKind[] expected = {BtfKind.INT, BtfKind.INT, BtfKind.PTR, BtfKind.ARRAY, BtfKind.UNION, BtfKind.STRUCT,
        BtfKind.ENUM, BtfKind.FWD, BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT,
        BtfKind.FUNC_PROTO, BtfKind.FUNC, BtfKind.VAR, BtfKind.DATASEC, BtfKind.FLOAT, BtfKind.DECL_TAG,
        BtfKind.TYPE_TAG, BtfKind.ENUM64, BtfKind.PTR, BtfKind.TYPEDEF};
    for (int id = 1; id <= expected.length; id++) {
      assertEquals(expected[id - 1], btf.type(id).kind(), "kind of [" + id + "]");
    }
    assertEquals(32, btf.type(1).intBits());
    assertTrue(btf.type(2).isSigned());
    assertEquals(new BtfArray(1, 1, 10), btf.type(4).array());
    assertEquals(List.of(new BtfMember("x", 1, 0, 0), new BtfMember("", 5, 64, 0), new BtfMember("p", 3, 128, 0),
        new BtfMember("v", 4, 192, 0)), btf.type(6).members());
    assertEquals(List.of(new BtfEnumerator("RED", -1), new BtfEnumerator("GREEN", 7)), btf.type(7).enumerators());
    assertEquals(List.of(new BtfParam("a", 1), new BtfParam("b", 3), new BtfParam("", 0)), btf.type(13).params());
    assertEquals(13, btf.type(14).typeRef());
    assertEquals(1, btf.type(14).linkage());
    assertEquals("counter", btf.name(15));
    assertEquals(List.of(new BtfVarSecinfo(15, 0, 4)), btf.type(16).varSecinfos());
    assertEquals(8, btf.type(17).size());
    assertEquals(0, btf.type(18).componentIndex());
    assertEquals(List.of(new BtfEnumerator("HUGE", 0xffff_ffff_ffffL), new BtfEnumerator("SMALL", 1)),
        btf.type(20).enumerators());
    assertEquals("", btf.name(0));
  }

  @Test
  void resolvesSizesThroughModifiersArraysAndPointers() {
    Btf btf = everyKind().parse();

    assertEquals(4, btf.sizeOf(1));
    assertEquals(8, btf.sizeOf(3));
    assertEquals(40, btf.sizeOf(4));
    assertEquals(56, btf.sizeOf(6));
    assertEquals(4, btf.sizeOf(19)); // type_tag -> const -> volatile -> typedef -> int
    assertEquals(4, btf.sizeOf(15)); // var
    assertEquals(1, btf.skipModifiers(19));
    assertEquals(3, btf.skipModifiers(12));
    BtfFormatException e = assertThrows(BtfFormatException.class, () -> btf.sizeOf(13));
    assertTrue(e.getMessage().contains("FUNC_PROTO"), e.getMessage());
  }

  @Test
  void findsTypesByKindAndExactName() {
    BtfBuilder b = everyKind();
    b.struct("outer___v2", 4, "x", 1, 0); // 23: a flavour is a different name
    b.struct("outer", 8, "y", 1, 0); // 24
    Btf btf = b.parse();

    assertEquals(OptionalInt.of(6), btf.findType(BtfKind.STRUCT, "outer"));
    assertEquals(List.of(6, 24), btf.findTypes(BtfKind.STRUCT, "outer"));
    assertEquals(List.of(23), btf.findTypes(BtfKind.STRUCT, "outer___v2"));
    assertEquals(OptionalInt.empty(), btf.findType(BtfKind.UNION, "outer"));
    assertEquals(OptionalInt.empty(), btf.findType(BtfKind.STRUCT, "missing"));
  }

  @Test
  void listsEnumeratorsInDeclarationOrderForEnumAndEnum64() {
    Btf btf = everyKind().parse();

    assertEquals(List.of("RED", "GREEN"), List.copyOf(btf.enumerators("color").keySet()));
    assertEquals(-1L, btf.enumerators("color").get("RED"));
    assertEquals(Map.of("HUGE", 0xffff_ffff_ffffL, "SMALL", 1L), btf.enumerators("big"));
    assertTrue(btf.enumerators("nope").isEmpty());
  }

  @Test
  void countsParametersOfFunctionPointerTypedef() {
    Btf btf = everyKind().parse();

    assertEquals(OptionalInt.of(3), btf.funcProtoParamCount("handler_t"));
    assertEquals(OptionalInt.empty(), btf.funcProtoParamCount("u32_t"));
    assertEquals(OptionalInt.empty(), btf.funcProtoParamCount("absent"));
  }

  @Test
  void parsesBigEndianBlobs() {
    Btf btf = everyKind().order(ByteOrder.BIG_ENDIAN).parse();

    assertEquals(22, btf.typeCount());
    assertEquals("outer", btf.name(6));
    assertEquals(56, btf.sizeOf(6));
    assertEquals(-1L, btf.enumerators("color").get("RED"));
  }

  @Test
  void decodesBitfieldMembersWhenKindFlagIsSet() {
    BtfBuilder b = new BtfBuilder();
    int u8 = b.integer("unsigned char", 1, false);
    b.bitfieldStruct("flags", 1, "a", u8, 0, 3, "b", u8, 3, 5);
    Btf btf = b.parse();

    assertTrue(btf.type(2).kindFlag());
    assertEquals(List.of(new BtfMember("a", 1, 0, 3), new BtfMember("b", 1, 3, 5)), btf.type(2).members());
  }

  @Test
  void leavesCallersBufferPositionAlone() {
    ByteBuffer data = ByteBuffer.wrap(everyKind().build());
    Btf.parse(data);
    assertEquals(0, data.position());
  }

  @Test
  void rejectsWrongKindAccessorsAndBadIds() {
    Btf btf = everyKind().parse();

    assertThrows(IllegalStateException.class, () -> btf.type(3).size());
    assertThrows(IllegalArgumentException.class, () -> btf.type(0));
    assertThrows(IllegalArgumentException.class, () -> btf.type(23));
    assertFalse(btf.type(1).members().iterator().hasNext());
  }
}
