package dev.duet.controller;

/**
 * Text from a request that a refusal entry records (a path, a reason naming what was sent): cut to
 * {@value #MAX_CHARS} characters, so what a refused request costs the log does not grow with it.
 */
final class LoggedText {
    static final int MAX_CHARS = 256;

    private LoggedText() {}

    /** At most {@value #MAX_CHARS} characters, never splitting a surrogate pair. */
    static String cut(String text) {
        if (text.length() <= MAX_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
        return text.substring(0, end);
    }
}
