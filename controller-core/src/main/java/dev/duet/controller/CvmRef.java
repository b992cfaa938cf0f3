package dev.duet.controller;

import java.util.regex.Pattern;

/** How a route names a CVM: by its id ({@code cvm-} and 16 hex digits), or by the name of a CVM in the list, which never has that form. */
final class CvmRef {
    /** Case-blind, so that a name can never look like an id to a reader either (CVM-00AA… is refused as a name). */
    private static final Pattern ID_LIKE = Pattern.compile("(?i)cvm-[0-9a-f]{16}");
    private static final Pattern ID = Pattern.compile("cvm-[0-9a-f]{16}");

    private CvmRef() {}

    static boolean isId(String cvm) {
        return ID.matcher(cvm).matches();
    }

    /** Whether a new CVM's name would read as an id, in any case: the CLI refuses such names too. */
    static boolean looksLikeId(String name) {
        return ID_LIKE.matcher(name).matches();
    }
}
