package dev.duet.controller;

import java.util.regex.Pattern;

/** How a route names a CVM: by its id ({@code cvm-} and 16 hex digits), or by the name of a CVM in the list, which never has that form. */
final class CvmRef {
    private static final Pattern ID = Pattern.compile("cvm-[0-9a-f]{16}");

    private CvmRef() {}

    static boolean isId(String cvm) {
        return ID.matcher(cvm).matches();
    }
}
