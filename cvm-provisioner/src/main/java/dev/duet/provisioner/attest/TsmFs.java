package dev.duet.provisioner.attest;

import java.io.IOException;

/**
 * The few file operations the configfs-tsm report protocol needs, on whatever holds the tree: a
 * guest reached over SSH ({@link GuestTsmFs}) or the controller's own machine ({@link LocalTsmFs}).
 */
public interface TsmFs {
    /** Whether the report directory ({@code /sys/kernel/config/tsm/report}) exists. */
    boolean hasInterface() throws IOException;

    /** Creates a report entry; configfs answers ENXIO here when no TSM provider (SEV-SNP/TDX) is loaded. */
    void mkdir(String entry) throws IOException;

    void write(String entry, String attribute, byte[] value) throws IOException;

    byte[] read(String entry, String attribute) throws IOException;

    boolean exists(String entry, String attribute) throws IOException;

    void rmdir(String entry) throws IOException;
}
