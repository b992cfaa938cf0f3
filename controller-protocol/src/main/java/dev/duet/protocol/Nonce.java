package dev.duet.protocol;

import java.util.regex.Pattern;

/**
 * The one spelling of a user's nonce, for the controller that signs for it and the CLI that asks
 * with it: 1-128 characters safe in a query string and in a signed document as they are.
 */
public final class Nonce {
    /** Said to whoever gave a nonce that is not one. */
    public static final String RULE = "1-128 letters, digits, '-' or '_'";

    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private Nonce() {}

    public static boolean valid(String nonce) {
        return nonce != null && FORM.matcher(nonce).matches();
    }
}
