package dev.duet.provisioner.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The guest image built by {@code cvm-provisioner/guest/build-image.sh}: an ELF kernel, an
 * uncompressed initramfs and the manifest naming the Debian packages and the hashes of both files.
 * Loading checks the files still have those hashes, so a changed image is never booted under an old
 * version's name.
 */
public record GuestImage(Path directory, String version, String recipe, Map<String, String> packages, String kernelSha256,
        String initrdSha256, byte[] kernelSha384, byte[] initrdSha384) {

    /** The build recipe shipped in this jar: the script, its library resolver and the guest's /init. */
    private static final String[] RECIPE = {"build-image.sh", "libraries.py", "init"};

    /** The kernel command line every duet guest boots with. */
    public static final String CMDLINE = dev.duet.attestation.snp.SimulatedLaunch.DUET_GUEST_CMDLINE;

    public GuestImage {
        packages = Map.copyOf(packages);
        kernelSha384 = kernelSha384.clone();
        initrdSha384 = initrdSha384.clone();
    }

    public Path kernel() {
        return directory.resolve("vmlinux");
    }

    public Path initrd() {
        return directory.resolve("initramfs.cpio");
    }

    @Override
    public byte[] kernelSha384() {
        return kernelSha384.clone();
    }

    @Override
    public byte[] initrdSha384() {
        return initrdSha384.clone();
    }

    public static GuestImage load(Path directory) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(directory.resolve("manifest.json").toFile());
        if (!"duet-guest-image/1".equals(manifest.path("format").asText())) {
            throw new IOException(directory + "/manifest.json is not a duet guest image manifest");
        }
        Map<String, String> packages = new TreeMap<>();
        manifest.path("packages").fields().forEachRemaining(e -> packages.put(e.getKey(), e.getValue().asText()));
        String kernelSha256 = manifest.path("files").path("vmlinux").asText();
        String initrdSha256 = manifest.path("files").path("initramfs.cpio").asText();
        byte[][] kernel = digests(directory.resolve("vmlinux"));
        byte[][] initrd = digests(directory.resolve("initramfs.cpio"));
        if (!HexFormat.of().formatHex(kernel[0]).equals(kernelSha256)
                || !HexFormat.of().formatHex(initrd[0]).equals(initrdSha256)) {
            throw new IOException("the guest image in " + directory + " does not match its manifest; rebuild it");
        }
        return new GuestImage(directory, manifest.path("version").asText(), manifest.path("recipe").asText(), packages,
                kernelSha256, initrdSha256, kernel[1], initrd[1]);
    }

    /**
     * The image in {@code directory}, built there first (by the build script shipped in this jar)
     * when it is missing or no longer matches its manifest.
     */
    public static GuestImage ensure(Path directory) throws IOException, InterruptedException {
        if (Files.isRegularFile(directory.resolve("manifest.json"))) {
            try {
                GuestImage cached = load(directory);
                if (cached.recipe().equals(shippedRecipe())) {
                    return cached;
                }
            } catch (IOException stale) {
                // Rebuilt below.
            }
        }
        Path scripts = Files.createTempDirectory("duet-guest-build");
        try {
            for (String file : RECIPE) {
                try (InputStream in = GuestImage.class.getResourceAsStream("/dev/duet/provisioner/guest/" + file)) {
                    Files.copy(in, scripts.resolve(file));
                }
            }
            Path log = scripts.resolve("build.log");
            Process build = new ProcessBuilder("bash", scripts.resolve("build-image.sh").toString(), directory.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (build.waitFor() != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                throw new IOException("building the guest image failed: "
                        + output.lines().filter(line -> !line.startsWith("W: ")).reduce((a, b) -> b).orElse("no output"));
            }
        } finally {
            try (var files = Files.walk(scripts)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        return load(directory);
    }

    /** SHA-256 of the recipe files shipped in this jar, in order, as the build script records it. */
    private static String shippedRecipe() throws IOException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (String file : RECIPE) {
                try (InputStream in = GuestImage.class.getResourceAsStream("/dev/duet/provisioner/guest/" + file)) {
                    sha256.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where images are kept unless configured otherwise: {@code $DUET_GUEST_IMAGE}, else {@code ~/.cache/duet/guest}. */
    public static Path defaultDirectory() {
        String configured = System.getenv("DUET_GUEST_IMAGE");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "duet", "guest");
    }

    /** SHA-256 and SHA-384 of a file, in one pass. */
    private static byte[][] digests(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0;) {
                sha256.update(buffer, 0, n);
                sha384.update(buffer, 0, n);
            }
            return new byte[][] {sha256.digest(), sha384.digest()};
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
