package io.netdrop.kernel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the {@code __print_symbolic(REC->field, { value, "NAME" }, ...)} table out of the {@code
 * print fmt} line of a tracefs event format file.
 */
final class PrintSymbolicParser {

  private static final String PRINT_FMT = "print fmt:";
  private static final String SYMBOLIC = "__print_symbolic(";

  private final String text;
  private int pos;

  private PrintSymbolicParser(String text, int pos) {
    this.text = text;
    this.pos = pos;
  }

  /** Value to name, in the order listed; the first name of a repeated value wins. */
  static Map<Integer, String> parse(String formatFileText, String field) {
    int fmt = formatFileText.indexOf(PRINT_FMT);
    if (fmt < 0) {
      throw new KernelFormatException("tracefs format has no '" + PRINT_FMT + "' line");
    }
    String arg = "REC->" + field;
    int at = fmt;
    while (true) {
      at = formatFileText.indexOf(SYMBOLIC, at);
      if (at < 0) {
        throw new KernelFormatException(
            "tracefs format has no " + SYMBOLIC + arg + ", ...) in its print fmt");
      }
      at += SYMBOLIC.length();
      PrintSymbolicParser p = new PrintSymbolicParser(formatFileText, at);
      p.skipSpace();
      if (formatFileText.startsWith(arg, p.pos)) {
        p.pos += arg.length();
        return p.entries();
      }
    }
  }

  private Map<Integer, String> entries() {
    Map<Integer, String> names = new LinkedHashMap<>();
    while (true) {
      skipSpace();
      if (peek() == ')') {
        break;
      }
      expect(',');
      skipSpace();
      expect('{');
      long value = number();
      skipSpace();
      expect(',');
      String name = quoted();
      skipSpace();
      expect('}');
      if (value < Integer.MIN_VALUE || value > 0xffff_ffffL) {
        throw error("value " + value + " of '" + name + "' does not fit in 32 bits");
      }
      names.putIfAbsent((int) value, name);
    }
    if (names.isEmpty()) {
      throw error("__print_symbolic list is empty");
    }
    return names;
  }

  private long number() {
    skipSpace();
    int start = pos;
    while (pos < text.length() && isWordChar(text.charAt(pos))) {
      pos++;
    }
    String token = text.substring(start, pos);
    String digits = token.replaceFirst("(?i)(?<=[0-9a-f])[ul]+$", "");
    try {
      return Long.decode(digits);
    } catch (NumberFormatException e) {
      pos = start;
      throw error("expected a number, found '" + snippet(start) + "'");
    }
  }

  private String quoted() {
    skipSpace();
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= text.length() || text.charAt(pos) == '\n') {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        break;
      }
      if (c == '\\' && pos < text.length()) {
        c = text.charAt(pos++);
      }
      b.append(c);
    }
    if (b.length() == 0) {
      throw error("empty name");
    }
    return b.toString();
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "', found '" + snippet(pos) + "'");
    }
    pos++;
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("format text ends inside __print_symbolic");
    }
    return text.charAt(pos);
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '+';
  }

  private String snippet(int from) {
    int end = Math.min(text.length(), from + 24);
    return from >= text.length() ? "<end>" : text.substring(from, end).replace('\n', ' ');
  }

  private KernelFormatException error(String what) {
    return new KernelFormatException(
        "malformed __print_symbolic in tracefs format at offset " + pos + ": " + what);
  }
}
