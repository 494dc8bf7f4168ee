#!/bin/sh
# Lists, per table, the modules whose statements insert, update or delete it (tests and migrations
# left out), so "one writer per relation" can be checked: sh scripts/writers.sh
tables=$(grep -oE '^  [a-z_]+: [A-Za-z]+Table;' src/db/schema.ts | awk '{print $1}' | tr -d : | paste -sd'|')
find src -name '*.ts' ! -name '*.test.ts' ! -path 'src/db/migrations/*' | sort | xargs perl -0777 -ne '
  s{^\s*(//|\*|/\*\*).*$}{}mg;
  while (/(?:insertInto|updateTable|deleteFrom|mergeInto)\(\s*\x27([a-z_]+)|insertMany(?:Returning)?\(\s*[\w.]+,\s*\x27([a-z_]+)|\b(?:insert\s+into|update|delete\s+from)\s+([a-z_]+)/g) {
    my $t = $1 // $2 // $3; print "$t $ARGV\n" if $t =~ /^(?:'"$tables"')$/;
  }' | sort | uniq -c | awk '{print $2, "←", $3, "(" $1 ")"}'
