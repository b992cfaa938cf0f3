package dev.duet.controller;

import dev.duet.protocol.CvmState;

/** How a route names a CVM: by its id ({@code cvm-} and 16 hex digits), or by the name of a CVM in the list, which never has that form. */
final class CvmRef {
    private CvmRef() {}

    static boolean isId(String cvm) {
        return CvmState.ID.matcher(cvm).matches();
    }

    /** Whether a new CVM's name would read as an id, in any case ({@link CvmState#ID_LIKE}). */
    static boolean looksLikeId(String name) {
        return CvmState.ID_LIKE.matcher(name).matches();
    }
}
