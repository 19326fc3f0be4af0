//! The table's definition, for local stacks and tests. `template.yaml`
//! declares the same keys and indexes for AWS; the contract test compares them.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification,
};

use super::{StoreError, keys};

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()?)
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    Ok(AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()?)
}

fn all_attributes() -> Projection {
    Projection::builder().projection_type(ProjectionType::All).build()
}

/// The users index: keys only (see `keys::USERS_INDEX`).
fn users_index() -> Result<GlobalSecondaryIndex, StoreError> {
    Ok(GlobalSecondaryIndex::builder()
        .index_name(keys::USERS_INDEX)
        .key_schema(key(keys::GSI1_PK, KeyType::Hash)?)
        .key_schema(key(keys::GSI1_SK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()?)
}

/// Creates the table unless it exists, waits until it is active and turns
/// on TTL. Safe to call from several processes at once.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            [keys::PK, keys::SK, keys::GSI1_PK, keys::GSI1_SK, keys::LSI1_SK]
                .into_iter()
                .map(string_attribute)
                .collect::<Result<_, _>>()?,
        ))
        .key_schema(key(keys::PK, KeyType::Hash)?)
        .key_schema(key(keys::SK, KeyType::Range)?)
        .global_secondary_indexes(users_index()?)
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name(keys::LSI1)
                .key_schema(key(keys::PK, KeyType::Hash)?)
                .key_schema(key(keys::LSI1_SK, KeyType::Range)?)
                .projection(all_attributes())
                .build()?,
        )
        .send()
        .await;
    match created {
        Ok(_) => wait_until_active(client, table).await?,
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(CreateTableError::ResourceInUseException(_))
            ) =>
        {
            wait_until_active(client, table).await?;
            replace_gsi1(client, table).await?;
        }
        Err(err) => return Err(err.into()),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(keys::TTL)
                .enabled(true)
                .build()?,
        )
        .send()
        .await
        .map(|_| ())
        .or_else(|err| {
            // Turning TTL on twice is refused; that it is on is all we need.
            let text = aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string();
            if text.contains("already enabled") {
                Ok(())
            } else {
                Err(err.into())
            }
        })
}

/// A table made before the users index projected keys only: adds that
/// index, then drops `gsi1`, which copied every attribute (sealed TOTP
/// secrets included). DynamoDB takes one index change per UpdateTable.
async fn replace_gsi1(client: &Client, table: &str) -> Result<(), StoreError> {
    let indexes = index_names(client, table).await?;
    let has = |name: &str| indexes.iter().any(|index| index == name);
    if !has(keys::USERS_INDEX) {
        add_users_index(client, table).await?;
    }
    if has(keys::REPLACED_GSI1) {
        drop_index(client, table, keys::REPLACED_GSI1).await?;
    }
    Ok(())
}

/// Adds the users index and waits until it is active. The request is
/// repeated while the index is missing: DynamoDB refuses an index change
/// while another change of the table, or of another table, is under way,
/// and another process may be making the same change.
async fn add_users_index(client: &Client, table: &str) -> Result<(), StoreError> {
    let index = users_index()?;
    for _ in 0..240 {
        if index_names(client, table)
            .await?
            .iter()
            .any(|name| name == keys::USERS_INDEX)
        {
            return wait_until_active(client, table).await;
        }
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(keys::USERS_INDEX)
            .set_key_schema(Some(index.key_schema().to_vec()))
            .set_projection(index.projection().cloned())
            .build()?;
        let created = client
            .update_table()
            .table_name(table)
            .attribute_definitions(string_attribute(keys::GSI1_PK)?)
            .attribute_definitions(string_attribute(keys::GSI1_SK)?)
            .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
            .send()
            .await;
        if let Err(err) = created {
            tracing::info!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&err), "adding the users index");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(StoreError::Unavailable(format!(
        "the users index could not be added to {table}"
    )))
}

/// Deletes index `index` of `table` and waits until it is gone. The
/// request is repeated while the index stands and is not being deleted:
/// DynamoDB refuses an index change while another one is still under way.
async fn drop_index(client: &Client, table: &str, index: &str) -> Result<(), StoreError> {
    for _ in 0..240 {
        let described = client.describe_table().table_name(table).send().await?;
        let status = described
            .table()
            .map(|table| table.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .find(|listed| listed.index_name() == Some(index))
            .map(|listed| listed.index_status().cloned());
        match status {
            None => return Ok(()),
            Some(Some(IndexStatus::Deleting)) => {}
            Some(_) => {
                let delete = DeleteGlobalSecondaryIndexAction::builder()
                    .index_name(index)
                    .build()?;
                let deleted = client
                    .update_table()
                    .table_name(table)
                    .global_secondary_index_updates(
                        GlobalSecondaryIndexUpdate::builder().delete(delete).build(),
                    )
                    .send()
                    .await;
                // Refused while another change is under way: asked again.
                if let Err(err) = deleted {
                    tracing::info!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&err), index, "dropping an index");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(StoreError::Unavailable(format!(
        "index {index} of table {table} was not deleted"
    )))
}

/// The global secondary indexes `table` has now.
async fn index_names(client: &Client, table: &str) -> Result<Vec<String>, StoreError> {
    let described = client.describe_table().table_name(table).send().await?;
    Ok(described
        .table()
        .map(|table| table.global_secondary_indexes())
        .unwrap_or_default()
        .iter()
        .filter_map(|index| index.index_name().map(str::to_owned))
        .collect())
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), StoreError> {
    for _ in 0..120 {
        match client.describe_table().table_name(table).send().await {
            // The table and every index: an index still being built
            // refuses the next index change.
            Ok(output)
                if output.table().is_some_and(|table| {
                    table.table_status() == Some(&TableStatus::Active)
                        && table
                            .global_secondary_indexes()
                            .iter()
                            .all(|index| index.index_status() == Some(&IndexStatus::Active))
                }) =>
            {
                return Ok(());
            }
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DescribeTableError::ResourceNotFoundException(_))
                ) => {}
            Err(err) => return Err(err.into()),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {table} did not become active"
    )))
}
