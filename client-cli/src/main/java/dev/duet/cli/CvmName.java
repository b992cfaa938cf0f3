package dev.duet.cli;

import picocli.CommandLine;

/** A CVM's name as the controller accepts it, so that a bad one is a usage error and nothing is sent. */
final class CvmName implements CommandLine.ITypeConverter<String> {
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Override
    public String convert(String value) {
        if (!valid(value)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a CVM name (1-64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit, and not of an id's form cvm-<16 hex>)");
        }
        return value;
    }

    static boolean valid(String value) {
        return NAME.matcher(value).matches() && !dev.duet.protocol.CvmState.ID_LIKE.matcher(value).matches();
    }
}
