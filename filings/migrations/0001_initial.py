"""Report forms, drafts, filings and suggestion rules."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('incidents', '0014_affected_places'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Draft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('values', models.JSONField(default=dict, help_text='Field key → text.')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('obligation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='draft', to='incidents.obligation')),
            ],
            options={
                'verbose_name': 'report draft',
            },
        ),
        migrations.CreateModel(
            name='FilingForm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('instructions', models.TextField(blank=True, help_text='Where and how to file.')),
                ('follows', models.ForeignKey(blank=True, help_text="A report that continues an earlier one (NIS2's notification after its early warning): its draft starts from what was filed for that regime.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.regime', verbose_name='later phase of')),
                ('regime', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='filing_form', to='incidents.regime')),
            ],
            options={
                'verbose_name': 'report form',
                'ordering': ['regime__name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalDraft',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('values', models.JSONField(default=dict, help_text='Field key → text.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('obligation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='incidents.obligation')),
            ],
            options={
                'verbose_name': 'historical report draft',
                'verbose_name_plural': 'historical report drafts',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Filing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version_number', models.PositiveIntegerField()),
                ('filed_at', models.DateTimeField()),
                ('reference', models.CharField(blank=True, max_length=200)),
                ('draft', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='filings', to='filings.draft')),
                ('filed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='filings.historicaldraft')),
            ],
            options={
                'verbose_name': 'filing',
                'ordering': ['-filed_at'],
            },
        ),
        migrations.CreateModel(
            name='SuggestionRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('countries', models.TextField(blank=True, help_text='ISO 3166-1 alpha-2 codes, separated by spaces.')),
                ('regions', models.TextField(blank=True, help_text='ISO 3166-2 codes (e.g. US-CA), separated by spaces.')),
                ('more_than', models.PositiveIntegerField(default=0, help_text='Suggest only when more people than this live there.')),
                ('source', models.CharField(max_length=300, verbose_name='source in the law')),
                ('is_active', models.BooleanField(default=True)),
                ('regime', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.regime')),
            ],
            options={
                'verbose_name': 'suggestion rule',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='FilingField',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('key', models.SlugField(help_text='Names the field in drafts; a later phase reuses it.')),
                ('label', models.CharField(max_length=200)),
                ('help_text', models.TextField(blank=True)),
                ('source', models.CharField(help_text='E.g. GDPR Art. 33(3)(a).', max_length=200, verbose_name='source in the law')),
                ('prefill', models.CharField(blank=True, choices=[('', 'Nothing: written by hand'), ('summary', "The incident's summary"), ('what_happened', 'Notice: what happened'), ('what_information', 'Notice: what information was involved'), ('what_we_are_doing', 'Notice: what we are doing'), ('what_you_can_do', 'Notice: what you can do'), ('more_information', 'Notice: for more information (contact point)'), ('notice', 'The whole public notice, section by section'), ('people', 'People affected, by country and region'), ('categories', 'Data categories, with people and records'), ('key_times', 'Key times (detected, confirmed, disclosed, resolved)')], default='', max_length=30)),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fields', to='filings.filingform')),
            ],
            options={
                'verbose_name': 'field',
                'ordering': ['order', 'id'],
                'constraints': [models.UniqueConstraint(fields=('form', 'key'), name='filing_field_key_once')],
            },
        ),
    ]
