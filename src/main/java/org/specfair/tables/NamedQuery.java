package org.specfair.tables;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named SQL file ({@code conf/sql/NAME.sql}, packaged in the jar under {@code sql/}) with {@code ${param}}
 * placeholders. A line {@code -- param NAME DEFAULT} gives a parameter a default ({@code -- param NAME} with
 * no default makes it required). Values are substituted as text with single quotes doubled, so a value placed
 * inside quotes in the SQL cannot end the string.
 */
public record NamedQuery(String name, String sql, Map<String, String> defaults) {
    /** Where the build puts conf/sql/ on the classpath. */
    public static final String RESOURCE_DIR = "sql/";
    private static final Pattern PARAM_LINE = Pattern.compile("^--[ \\t]*param[ \\t]+([A-Za-z_][A-Za-z0-9_]*)(?:[ \\t]+(\\S.*?))?[ \\t]*$", Pattern.MULTILINE);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    public static NamedQuery parse(String name, String sql) {
        Map<String, String> defaults = new LinkedHashMap<>();
        Matcher m = PARAM_LINE.matcher(sql);
        while (m.find()) {
            defaults.put(m.group(1), m.group(2));
        }
        return new NamedQuery(name, sql, defaults);
    }

    /** NAME from DIR/NAME.sql when dir is given and holds it, else from the packaged queries. */
    public static NamedQuery load(String name, Path dir) {
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("query name '" + name + "': letters, digits, _ and - only");
        }
        try {
            if (dir != null && Files.isRegularFile(dir.resolve(name + ".sql"))) {
                return parse(name, Files.readString(dir.resolve(name + ".sql")));
            }
            try (InputStream in = NamedQuery.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + name + ".sql")) {
                if (in == null) {
                    throw new IllegalArgumentException("no query named '" + name + "'; named queries: " + String.join(", ", packaged()));
                }
                return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + e.getMessage(), e);
        }
    }

    /** Names of the packaged queries: the sql/ folder on the classpath (target/classes, or inside the jar). */
    public static List<String> packaged() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        java.net.URL url = NamedQuery.class.getClassLoader().getResource(RESOURCE_DIR);
        try {
            if (url == null) {
                return List.of();
            } else if (url.getProtocol().equals("file")) {
                try (var files = Files.list(Path.of(url.toURI()))) {
                    files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".sql")).forEach(f -> names.add(f.substring(0, f.length() - 4)));
                }
            } else if (url.getProtocol().equals("jar")) {
                String jar = url.getPath().substring("file:".length(), url.getPath().indexOf('!'));
                try (var file = new java.util.jar.JarFile(java.net.URLDecoder.decode(jar, StandardCharsets.UTF_8))) {
                    file.stream().map(java.util.jar.JarEntry::getName)
                            .filter(e -> e.startsWith(RESOURCE_DIR) && e.endsWith(".sql") && e.indexOf('/', RESOURCE_DIR.length()) < 0)
                            .forEach(e -> names.add(e.substring(RESOURCE_DIR.length(), e.length() - 4)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return new ArrayList<>(names);
    }

    /** The SQL with every placeholder replaced; a placeholder without value or default is an error naming it. */
    public String bind(Map<String, String> params) {
        for (String given : params.keySet()) {
            if (!defaults.containsKey(given) && !sql.contains("${" + given + "}")) {
                throw new IllegalArgumentException("query " + name + " has no parameter '" + given + "'; parameters: " + defaults.keySet());
            }
        }
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String value = params.containsKey(key) ? params.get(key) : defaults.get(key);
            if (value == null) {
                throw new IllegalArgumentException("query " + name + " needs --param " + key + "=VALUE");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        return out.toString();
    }
}
