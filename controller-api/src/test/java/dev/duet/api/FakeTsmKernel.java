package dev.duet.api;

import dev.duet.attestation.Octets;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.provisioner.attest.LocalTsmFs;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.attest.TsmFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's side of configfs-tsm over a plain directory, which the controller reads through the
 * real {@link LocalTsmFs}: mkdir makes an entry's attributes, writing inblob makes outblob (a report
 * of a simulated chip, as sev_guest would ask the firmware), auxblob (the host's certificate table,
 * here the VCEK only) and bumps generation, rmdir removes the attributes. {@code racing}: another
 * writer bumps generation while the controller reads the report; {@code interleaving}: another
 * writer's inblob lands between the controller's write and its read; {@code misreporting}: the
 * report binds other data with no sign in generation.
 */
final class FakeTsmKernel implements TsmFs {
    private static final List<String> ATTRIBUTES = List.of("inblob", "outblob", "auxblob", "provider", "generation");
    private final LocalTsmFs fs;
    private final SimulatedSnp chip;
    private final byte[] measurement = new byte[48];
    volatile boolean racing;
    /** Another writer writes its own inblob to the entry right after ours, before the controller reads anything. */
    volatile boolean interleaving;
    /** The report answers other REPORT_DATA than the inblob, and generation says nothing happened. */
    volatile boolean misreporting;

    FakeTsmKernel(Path root, SimulatedSnp chip) throws IOException {
        this.fs = new LocalTsmFs(Files.createDirectories(root));
        this.chip = chip;
    }

    @Override
    public boolean hasInterface() {
        return fs.hasInterface();
    }

    @Override
    public void mkdir(String entry) throws IOException {
        fs.mkdir(entry);
        Path dir = fs.root().resolve(entry);
        for (String attribute : ATTRIBUTES) {
            Files.write(dir.resolve(attribute), new byte[0]);
        }
        Files.writeString(dir.resolve("provider"), "sev_guest\n");
        Files.writeString(dir.resolve("generation"), "0\n");
    }

    @Override
    public void write(String entry, String attribute, byte[] value) throws IOException {
        inblob(entry, misreporting ? otherInblob() : value, attribute);
        if (interleaving && attribute.equals("inblob")) {
            inblob(entry, otherInblob(), attribute);
        }
    }

    private void inblob(String entry, byte[] value, String attribute) throws IOException {
        fs.write(entry, attribute, value);
        if (attribute.equals("inblob")) {
            Path dir = fs.root().resolve(entry);
            Files.write(dir.resolve("outblob"), chip.report(value, measurement));
            Files.write(dir.resolve("auxblob"), new SevCertificateTable(List.of(new SevCertificateTable.Entry(SevCertificateTable.VCEK,
                    Octets.copyOf(chip.vcekDer())))).encode().toByteArray());
            bump(dir);
        }
    }

    private static byte[] otherInblob() {
        byte[] other = new byte[64];
        java.util.Arrays.fill(other, (byte) 0xee);
        return other;
    }

    @Override
    public byte[] read(String entry, String attribute) throws IOException {
        if (racing && attribute.equals("outblob")) {
            bump(fs.root().resolve(entry));
        }
        return fs.read(entry, attribute);
    }

    @Override
    public boolean exists(String entry, String attribute) {
        return fs.exists(entry, attribute);
    }

    @Override
    public void rmdir(String entry) throws IOException {
        for (String attribute : ATTRIBUTES) {
            Files.deleteIfExists(fs.root().resolve(entry).resolve(attribute));
        }
        fs.rmdir(entry);
    }

    private static void bump(Path dir) throws IOException {
        long generation = Long.parseLong(Files.readString(dir.resolve("generation")).strip());
        Files.writeString(dir.resolve("generation"), (generation + 1) + "\n");
    }
}
